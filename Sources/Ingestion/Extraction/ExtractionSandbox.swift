import POSIXSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the `extract` subprocess runs: inside bubblewrap (`bwrap`), so that a parser exploited by
/// an uploaded file (pdftotext, tesseract, libxml2 and Companin's own) holds nothing worth having.
///
/// The sandbox has its own user, PID, network, IPC, UTS and cgroup namespaces: no network at all
/// (not even loopback or abstract unix sockets of the host), no other process visible or
/// signalable, uid and gid 65534 with no capabilities, no new privileges, no further user
/// namespaces. Its file system is a fresh tmpfs root with read-only `/usr` (and the `/bin`, `/lib…`
/// links into it), `/etc/ld.so.cache`, the executable, the directories of the shared libraries
/// this process loaded from outside `/usr` (the Swift runtime), `TESSDATA_PREFIX` and
/// `LD_LIBRARY_PATH` when set, and the one input file, read-only; a new `/proc`, a minimal `/dev`
/// and an empty `/tmp`. The process starts a new session (no controlling terminal, no `TIOCSTI`),
/// dies with its parent, and a seccomp filter (`SeccompFilter.untrustedParser`) refuses the system
/// calls listed there.
public struct ExtractionSandbox: Sendable, Hashable {
    /// What an operator chooses with `COMPANIN_EXTRACTION_SANDBOX`.
    public enum Mode: String, Sendable, CaseIterable {
        /// Always sandboxed: workers refuse to start when bwrap is missing or cannot create namespaces.
        case bwrap
        /// Sandboxed when bwrap works here, else resource limits only (with a warning at start).
        case auto
        /// Resource limits, a scrubbed environment and a process group only.
        case off
    }

    /// bwrap is not installed, or cannot set up the sandbox here (user namespaces disabled, say).
    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The path of `bwrap`.
    public let bwrap: String
    /// Directories bound read-only at the same path, besides `/usr` and the executable.
    public let readOnlyDirectories: [String]
    /// nil on an architecture without a system call table (the namespaces still apply).
    public let seccomp: SeccompFilter?

    /// The user and group inside the sandbox ("nobody"): not root, and not the worker's own ids.
    public static let sandboxID = 65534

    public init(
        bwrap: String, readOnlyDirectories: [String] = ExtractionSandbox.libraryDirectories(),
        seccomp: SeccompFilter? = SeccompFilter.Architecture.current.map(SeccompFilter.untrustedParser(for:))
    ) {
        self.bwrap = bwrap
        self.readOnlyDirectories = readOnlyDirectories
        self.seccomp = seccomp
    }

    /// The sandbox for `mode`: nil for `off`, and for `auto` where bwrap does not work. Checks that
    /// bwrap can actually create its namespaces here by running `true` inside.
    public static func resolve(_ mode: Mode) throws(Unavailable) -> ExtractionSandbox? {
        if mode == .off { return nil }
        do throws(Unavailable) {
            guard let path = Subprocess.locate("bwrap") else {
                throw Unavailable(description: "bwrap is not installed (Debian: apt-get install bubblewrap, or scripts/setup)")
            }
            let sandbox = ExtractionSandbox(bwrap: path)
            try sandbox.check()
            return sandbox
        } catch {
            if mode == .auto { return nil }
            throw error
        }
    }

    /// Runs `/usr/bin/true` in the sandbox; throws with bwrap's complaint when that fails.
    func check() throws(Unavailable) {
        let process = Subprocess(
            executable: "/usr/bin/true", arguments: [], environment: Subprocess.environment(passing: []),
            deadline: ContinuousClock.now + .seconds(10), maxStdoutBytes: 4096, newProcessGroup: true)
        let outcome: Subprocess.Outcome
        do {
            outcome = try run(process, input: nil)
        } catch {
            throw Unavailable(description: "bwrap could not be started: \(error)")
        }
        guard outcome.termination.isClean else {
            let complaint = outcome.stderrText.split(separator: "\n").first.map(String.init) ?? ""
            throw Unavailable(description: "bwrap cannot create the sandbox here (\(outcome.termination)): \(complaint)")
        }
    }

    /// Runs `process` inside the sandbox with `input` bound read-only, passing the seccomp program
    /// through a pipe. The outcome's termination is the program's, not bwrap's.
    func run(_ process: Subprocess, input: String?) throws(SystemError) -> Subprocess.Outcome {
        var process = process
        (process.executable, process.arguments) = wrap(executable: process.executable, arguments: process.arguments, input: input)
        var outcome: Subprocess.Outcome
        if let seccomp {
            // The program is far below a pipe's capacity, so it is written whole before bwrap starts.
            let pipe = try PipePair()
            defer { close(pipe.read) }
            let bytes = seccomp.bytes
            let written = bytes.withUnsafeBytes { raw in write(pipe.write, raw.baseAddress, raw.count) }
            close(pipe.write)
            guard written == bytes.count else { throw SystemError("write seccomp program") }
            process.passedDescriptors[Self.seccompDescriptor] = pipe.read
            outcome = try process.run()
        } else {
            outcome = try process.run()
        }
        outcome.termination = Self.programTermination(outcome.termination)
        return outcome
    }

    /// bwrap's command line running `executable arguments` in the sandbox, with `input` (absolute)
    /// bound read-only when it exists. The seccomp program is read from descriptor 3.
    func wrap(executable: String, arguments: [String], input: String?) -> (executable: String, arguments: [String]) {
        var options = [
            "--unshare-all", "--unshare-user", "--disable-userns",
            "--uid", String(Self.sandboxID), "--gid", String(Self.sandboxID),
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--ro-bind", "/usr", "/usr",
        ]
        // Merged-/usr systems have /bin, /lib… as links into /usr; older ones as directories.
        for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            if let target = Self.symbolicLinkTarget(top) {
                options += ["--symlink", target, top]
            } else if Self.isDirectory(top) {
                options += ["--ro-bind", top, top]
            }
        }
        options += [
            "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
        ]
        for directory in readOnlyDirectories { options += ["--ro-bind-try", directory, directory] }
        options += ["--ro-bind", executable, executable]
        if let input { options += ["--ro-bind-try", input, input] }
        options += ["--chdir", "/"]
        if seccomp != nil { options += ["--seccomp", String(Self.seccompDescriptor)] }
        return (bwrap, options + ["--", executable] + arguments)
    }

    static let seccompDescriptor: Int32 = 3

    /// bwrap exits with 128 + N when the sandboxed program died of signal N.
    static func programTermination(_ termination: ProcessTermination) -> ProcessTermination {
        if case .exited(let code) = termination, code > 128, code < 128 + 65 { return .signaled(code - 128) }
        return termination
    }

    /// Directories of the shared libraries this process has mapped from outside `/usr` (the Swift
    /// runtime of a toolchain in /opt, say), plus `TESSDATA_PREFIX` and `LD_LIBRARY_PATH`: the
    /// extractor is this same executable, and the OCR data may live elsewhere.
    public static func libraryDirectories() -> [String] {
        var directories: [String] = []
        func add(_ directory: String) {
            guard directory.hasPrefix("/"), !directory.hasPrefix("/usr/"), directory != "/", !directories.contains(directory)
            else { return }
            directories.append(directory)
        }
        if let maps = readWholeFile("/proc/self/maps") {
            for line in String(decoding: maps, as: UTF8.self).split(separator: "\n") {
                guard let slash = line.firstIndex(of: "/") else { continue }
                let path = String(line[slash...])
                guard path.contains(".so"), let last = path.lastIndex(of: "/") else { continue }
                let directory = String(path[..<last])
                // /lib… are links into /usr on merged-/usr systems: already there.
                if let real = realPath(directory), real.hasPrefix("/usr/") { continue }
                add(directory)
            }
        }
        for name in ["TESSDATA_PREFIX", "LD_LIBRARY_PATH"] {
            guard let value = getenv(name) else { continue }
            for directory in String(cString: value).split(separator: ":") { add(String(directory)) }
        }
        return directories
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func symbolicLinkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private static func readWholeFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                (try? systemCall("read") { read(descriptor, raw.baseAddress, raw.count) }) ?? -1
            }
            if count < 0 { return nil }
            if count == 0 { return bytes }
            bytes.append(contentsOf: buffer[0..<count])
        }
    }
}
