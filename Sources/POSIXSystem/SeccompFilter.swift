/// A seccomp filter as the kernel takes it: a classic BPF program over `struct seccomp_data`, in the
/// byte layout `bwrap --seccomp FD` reads (an array of `struct sock_filter`, native byte order).
///
/// `untrustedParser` is the one policy Companin uses, for the programs that parse uploads: it
/// refuses the system calls such a program never needs and that an exploit would use to get out or
/// around (network sockets, namespaces and mounts, tracing and reading other processes, the kernel
/// keyring, BPF, io_uring, module loading), and kills the process on another architecture's
/// calling convention (i386 or x32 system calls on amd64) so the numbers below cannot be sidestepped.
public struct SeccompFilter: Sendable, Hashable {
    /// The instruction set whose system call numbers a filter uses.
    public enum Architecture: Sendable, Hashable {
        case amd64, arm64

        /// The architecture this program was built for; nil on one without a table here.
        public static var current: Architecture? {
            #if arch(x86_64)
                .amd64
            #elseif arch(arm64)
                .arm64
            #else
                nil
            #endif
        }

        /// `AUDIT_ARCH_*`, the value of `seccomp_data.arch`.
        var auditValue: UInt32 {
            switch self {
            case .amd64: 0xC000_003E
            case .arm64: 0xC000_00B7
            }
        }
    }

    /// One `struct sock_filter`.
    struct Instruction: Sendable, Hashable {
        var code: UInt16
        var jumpTrue: UInt8 = 0
        var jumpFalse: UInt8 = 0
        var value: UInt32

        static func load(offset: UInt32) -> Self { Self(code: 0x20, value: offset) }  // BPF_LD|BPF_W|BPF_ABS
        static func jumpIfEqual(_ value: UInt32, true jumpTrue: UInt8 = 0, false jumpFalse: UInt8 = 0) -> Self {
            Self(code: 0x15, jumpTrue: jumpTrue, jumpFalse: jumpFalse, value: value)  // BPF_JMP|BPF_JEQ|BPF_K
        }
        static func jumpIfAtLeast(_ value: UInt32, true jumpTrue: UInt8 = 0, false jumpFalse: UInt8 = 0) -> Self {
            Self(code: 0x35, jumpTrue: jumpTrue, jumpFalse: jumpFalse, value: value)  // BPF_JMP|BPF_JGE|BPF_K
        }
        static func jumpIfAnySet(_ mask: UInt32, true jumpTrue: UInt8 = 0, false jumpFalse: UInt8 = 0) -> Self {
            Self(code: 0x45, jumpTrue: jumpTrue, jumpFalse: jumpFalse, value: mask)  // BPF_JMP|BPF_JSET|BPF_K
        }
        static func `return`(_ action: UInt32) -> Self { Self(code: 0x06, value: action) }  // BPF_RET|BPF_K
    }

    static let killProcess: UInt32 = 0x8000_0000
    static let allow: UInt32 = 0x7FFF_0000
    static func fail(_ errno: Int32) -> UInt32 { 0x0005_0000 | (UInt32(errno) & 0xFFFF) }

    /// Offsets in `struct seccomp_data`: `int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]`.
    /// An argument's low 32 bits come first on these little-endian architectures.
    static let numberOffset: UInt32 = 0
    static let architectureOffset: UInt32 = 4
    static func argumentOffset(_ index: UInt32) -> UInt32 { 16 + 8 * index }

    let instructions: [Instruction]

    /// The program as `bwrap --seccomp` and `SECCOMP_SET_MODE_FILTER` read it.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(instructions.count * 8)
        for instruction in instructions {
            withUnsafeBytes(of: instruction.code.littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(instruction.jumpTrue)
            bytes.append(instruction.jumpFalse)
            withUnsafeBytes(of: instruction.value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    public var instructionCount: Int { instructions.count }

    /// The system calls `untrustedParser` refuses with `EPERM`, by name (for documentation and tests).
    public static let refusedCalls: [String] = SystemCallTable.refused.map(\.name)

    /// The policy for pdftotext, tesseract and Companin's own parsers; see the type's description.
    /// Beyond `refusedCalls`: `socket` only for `AF_UNIX` (`EAFNOSUPPORT` otherwise), `clone`
    /// without namespace flags, `clone3` answers `ENOSYS` (its flags sit behind a pointer the filter
    /// cannot read, and the C library falls back to `clone`), and `ioctl` refuses `TIOCSTI` and
    /// `TIOCLINUX` (typing into a terminal).
    public static func untrustedParser(for architecture: Architecture) -> SeccompFilter {
        let table = SystemCallTable(architecture)
        var program: [Instruction] = [
            .load(offset: architectureOffset),
            .jumpIfEqual(architecture.auditValue, true: 1),
            .return(killProcess),
            .load(offset: numberOffset),
        ]
        if architecture == .amd64 {
            // x32 system calls are the amd64 numbers with bit 30 set: refuse them all.
            program += [.jumpIfAtLeast(0x4000_0000, false: 1), .return(killProcess)]
        }
        for call in SystemCallTable.refused {
            guard let number = table.number(call) else { continue }
            program += [.jumpIfEqual(number, false: 1), .return(fail(1))]  // EPERM
        }
        program += [.jumpIfEqual(table.clone3, false: 1), .return(fail(38))]  // ENOSYS

        // socket(domain, …): AF_UNIX (1) only. The accumulator keeps the number on the way past.
        program += [
            .jumpIfEqual(table.socket, false: 4),
            .load(offset: argumentOffset(0)),
            .jumpIfEqual(1, false: 1),
            .return(allow),
            .return(fail(97)),  // EAFNOSUPPORT
        ]
        // clone(flags, …): no CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID or NEWNET.
        program += [
            .jumpIfEqual(table.clone, false: 4),
            .load(offset: argumentOffset(0)),
            .jumpIfAnySet(0x7E02_0000, false: 1),
            .return(fail(1)),
            .return(allow),
        ]
        // ioctl(fd, request, …): not TIOCSTI (0x5412) or TIOCLINUX (0x541C).
        program += [
            .jumpIfEqual(table.ioctl, false: 5),
            .load(offset: argumentOffset(1)),
            .jumpIfEqual(0x5412, true: 2),
            .jumpIfEqual(0x541C, true: 1),
            .return(allow),
            .return(fail(1)),
        ]
        program.append(.return(allow))
        return SeccompFilter(instructions: program)
    }
}

/// System call numbers of the two architectures Companin runs on (by their Debian names: amd64 is
/// x86_64, arm64 is aarch64), from the kernel's `asm/unistd_64.h` and `asm-generic/unistd.h`.
/// Numbers from 403 up are shared.
struct SystemCallTable {
    struct Call {
        var name: String
        var amd64: UInt32?
        var arm64: UInt32?
    }

    let architecture: SeccompFilter.Architecture

    init(_ architecture: SeccompFilter.Architecture) { self.architecture = architecture }

    func number(_ call: Call) -> UInt32? {
        switch architecture {
        case .amd64: call.amd64
        case .arm64: call.arm64
        }
    }

    var socket: UInt32 { architecture == .amd64 ? 41 : 198 }
    var clone: UInt32 { architecture == .amd64 ? 56 : 220 }
    var ioctl: UInt32 { architecture == .amd64 ? 16 : 29 }
    var clone3: UInt32 { 435 }

    static let refused: [Call] = [
        // Other processes: tracing, reading and writing their memory, comparing their descriptors.
        Call(name: "ptrace", amd64: 101, arm64: 117),
        Call(name: "process_vm_readv", amd64: 310, arm64: 270),
        Call(name: "process_vm_writev", amd64: 311, arm64: 271),
        Call(name: "kcmp", amd64: 312, arm64: 272),
        // Namespaces, mounts and the root.
        Call(name: "unshare", amd64: 272, arm64: 97),
        Call(name: "setns", amd64: 308, arm64: 268),
        Call(name: "mount", amd64: 165, arm64: 40),
        Call(name: "umount2", amd64: 166, arm64: 39),
        Call(name: "pivot_root", amd64: 155, arm64: 41),
        Call(name: "chroot", amd64: 161, arm64: 51),
        Call(name: "open_tree", amd64: 428, arm64: 428),
        Call(name: "move_mount", amd64: 429, arm64: 429),
        Call(name: "fsopen", amd64: 430, arm64: 430),
        Call(name: "fsconfig", amd64: 431, arm64: 431),
        Call(name: "fsmount", amd64: 432, arm64: 432),
        Call(name: "fspick", amd64: 433, arm64: 433),
        Call(name: "mount_setattr", amd64: 442, arm64: 442),
        Call(name: "open_by_handle_at", amd64: 304, arm64: 265),
        Call(name: "name_to_handle_at", amd64: 303, arm64: 264),
        // Large kernel attack surface a parser never needs.
        Call(name: "bpf", amd64: 321, arm64: 280),
        Call(name: "perf_event_open", amd64: 298, arm64: 241),
        Call(name: "userfaultfd", amd64: 323, arm64: 282),
        Call(name: "io_uring_setup", amd64: 425, arm64: 425),
        Call(name: "io_uring_enter", amd64: 426, arm64: 426),
        Call(name: "io_uring_register", amd64: 427, arm64: 427),
        Call(name: "keyctl", amd64: 250, arm64: 219),
        Call(name: "add_key", amd64: 248, arm64: 217),
        Call(name: "request_key", amd64: 249, arm64: 218),
        // The machine's administration.
        Call(name: "kexec_load", amd64: 246, arm64: 104),
        Call(name: "kexec_file_load", amd64: 320, arm64: 294),
        Call(name: "init_module", amd64: 175, arm64: 105),
        Call(name: "finit_module", amd64: 313, arm64: 273),
        Call(name: "delete_module", amd64: 176, arm64: 106),
        Call(name: "syslog", amd64: 103, arm64: 116),
        Call(name: "acct", amd64: 163, arm64: 89),
        Call(name: "swapon", amd64: 167, arm64: 224),
        Call(name: "swapoff", amd64: 168, arm64: 225),
        Call(name: "reboot", amd64: 169, arm64: 142),
        Call(name: "quotactl", amd64: 179, arm64: 60),
        Call(name: "vhangup", amd64: 153, arm64: 58),
        Call(name: "uselib", amd64: 134, arm64: nil),
        Call(name: "modify_ldt", amd64: 154, arm64: nil),
        Call(name: "iopl", amd64: 172, arm64: nil),
        Call(name: "ioperm", amd64: 173, arm64: nil),
    ]
}
