import Foundation
import POSIXSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// For tests of `ExtractionSandbox`: from where an extractor runs, tries what an exploited parser
/// would try (reach the network, read the worker's environment or another organization's original,
/// outlive the kill, gain privileges, leave the sandbox's namespaces) and reports what worked.
/// `companin extract --probe=JSON` runs it; it is not an operator command.
public enum SandboxProbe {
    /// What to try; the test sets up the targets (loopback listeners, a neighbouring file) itself.
    public struct Request: Codable, Sendable {
        /// A TCP listener of the test on 127.0.0.1.
        public var tcpPort: Int?
        /// A unix socket of the test, by path and in the abstract namespace.
        public var unixSocket: String?
        public var abstractSocket: String?
        /// The test process, whose environment and signals must be out of reach.
        public var hostPID: Int32?
        /// Text in the host's /proc/PID/environ that shows it was really read.
        public var environMarker: String?
        /// The upload being extracted, and another one next to it.
        public var input: String?
        public var neighbour: String?
        /// The uid of the process that started the extractor.
        public var parentUID: UInt32?
        /// argv[0] of a grandchild started in a new session, to look for after the kill.
        public var grandchildName: String?
        /// Seconds to stay alive after reporting, so the runner has to kill it.
        public var lingerSeconds: Int = 0

        public init() {}
    }

    /// One attempt: whether it worked (a hole in the sandbox) and what happened.
    public struct Attempt: Codable, Sendable, Equatable {
        public var succeeded: Bool
        public var detail: String
    }

    public static func run(_ request: Request) -> [String: Attempt] {
        var report: [String: Attempt] = [:]
        report["open_inet_socket"] = inetSocket()
        if let port = request.tcpPort { report["connect_tcp_loopback"] = connectLoopback(port: port) }
        if let path = request.unixSocket { report["connect_unix_socket"] = connectUnix(path, abstract: false) }
        if let name = request.abstractSocket { report["connect_abstract_socket"] = connectUnix(name, abstract: true) }
        if let pid = request.hostPID {
            report["read_host_environ"] = readHostEnvironment(pid: pid, marker: request.environMarker ?? "=")
            let signalled = kill(pid, 0) == 0
            report["signal_host_process"] = Attempt(succeeded: signalled, detail: signalled ? "kill(\(pid), 0) worked" : errorText())
            // Sharing the worker's session means sharing its controlling terminal, if it has one
            // (TIOCSTI). In a PID namespace without a session of its own, the session's leader is
            // outside the namespace and getsid answers 0.
            let session = getsid(0)
            let hostSession = getsid(pid)
            report["share_worker_session"] = Attempt(
                succeeded: session == 0 || (hostSession > 0 && session == hostSession),
                detail: "session \(session), the host process's \(hostSession)")
        }
        if let neighbour = request.neighbour { report["read_other_original"] = readFile(neighbour) }
        if let input = request.input {
            report["list_originals_directory"] = listSiblings(of: input)
            let descriptor = open(input, O_WRONLY | O_APPEND | O_CLOEXEC)
            if descriptor >= 0 { close(descriptor) }
            report["write_original"] = Attempt(succeeded: descriptor >= 0, detail: descriptor >= 0 ? "opened for writing" : errorText())
        }
        if let name = request.grandchildName { report["start_session_grandchild"] = startGrandchild(name) }

        let status = selfStatus()
        report["gain_privileges"] = Attempt(succeeded: status["NoNewPrivs"] != "1", detail: "NoNewPrivs: \(status["NoNewPrivs"] ?? "?")")
        let capabilities = status["CapEff"] ?? "?"
        report["hold_capabilities"] = Attempt(
            succeeded: capabilities.contains { $0 != "0" }, detail: "CapEff: \(capabilities)")
        report["escape_seccomp"] = Attempt(succeeded: status["Seccomp"] != "2", detail: "Seccomp: \(status["Seccomp"] ?? "?")")
        let uid = getuid()
        report["run_as_root_or_parent_uid"] = Attempt(
            succeeded: uid == 0 || uid == request.parentUID.map { uid_t($0) }, detail: "uid \(uid), gid \(getgid())")
        // Last: if it works, this process is in a new user namespace from here on.
        let unshared = unshareUser()
        report["create_user_namespace"] = Attempt(succeeded: unshared, detail: unshared ? "unshare worked" : errorText())
        // After everything else: if it works, the parent traces this process from here on.
        let traced = traceMe()
        report["ptrace"] = Attempt(succeeded: traced, detail: traced ? "PTRACE_TRACEME worked" : errorText())
        return report
    }

    /// The report as one line of JSON.
    public static func encode(_ report: [String: Attempt]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return ((try? encoder.encode(report)) ?? Data("{}".utf8)) + Data("\n".utf8)
    }

    // MARK: - Attempts

    private static func errorText() -> String { "\(String(cString: strerror(errno))) (errno \(errno))" }

    private static func inetSocket() -> Attempt {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return Attempt(succeeded: false, detail: "socket: \(errorText())") }
        close(descriptor)
        return Attempt(succeeded: true, detail: "socket(AF_INET) worked")
    }

    private static func connectLoopback(port: Int) -> Attempt {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return Attempt(succeeded: false, detail: "socket: \(errorText())") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian  // 127.0.0.1 only, ever
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return Attempt(succeeded: result == 0, detail: result == 0 ? "connected to 127.0.0.1:\(port)" : "connect: \(errorText())")
    }

    private static func connectUnix(_ name: String, abstract: Bool) -> Attempt {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return Attempt(succeeded: false, detail: "socket: \(errorText())") }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = (abstract ? [0] : []) + Array(name.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return Attempt(succeeded: false, detail: "name too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, length) }
        }
        return Attempt(succeeded: result == 0, detail: result == 0 ? "connected" : "connect: \(errorText())")
    }

    private static func readHostEnvironment(pid: Int32, marker: String) -> Attempt {
        guard let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else {
            return Attempt(succeeded: false, detail: "not readable: \(errorText())")
        }
        let found = String(decoding: bytes, as: UTF8.self).contains(marker)
        return Attempt(succeeded: found, detail: "read \(bytes.count) bytes, marker \(found ? "found" : "absent")")
    }

    private static func readFile(_ path: String) -> Attempt {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return Attempt(succeeded: false, detail: "open: \(errorText())") }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = read(descriptor, &buffer, buffer.count)
        return Attempt(succeeded: count > 0, detail: count > 0 ? "read \(count) bytes" : "read: \(errorText())")
    }

    private static func listSiblings(of path: String) -> Attempt {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return Attempt(succeeded: false, detail: "cannot list \(directory)")
        }
        let others = entries.filter { $0 != url.lastPathComponent }
        return Attempt(succeeded: !others.isEmpty, detail: "\(others.count) other entries")
    }

    /// A `sleep` in a session of its own, detached from everything of ours, named `name`.
    private static func startGrandchild(_ name: String) -> Attempt {
        let spawner = ProcessSpawner(
            executable: "/usr/bin/sleep", arguments: ["30"], argumentZero: name, environment: [:],
            descriptors: [
                0: .open(path: "/dev/null", flags: O_RDONLY), 1: .open(path: "/dev/null", flags: O_WRONLY),
                2: .open(path: "/dev/null", flags: O_WRONLY),
            ],
            closesOtherDescriptors: true, grouping: .newSession)
        do {
            let pid = try spawner.spawn()
            return Attempt(succeeded: true, detail: "pid \(pid) in its own session")
        } catch {
            return Attempt(succeeded: false, detail: "\(error)")
        }
    }

    /// `unshare(CLONE_NEWUSER)`; glibc declares `unshare` only under `_GNU_SOURCE`, so Swift does
    /// not import it.
    private static func unshareUser() -> Bool {
        typealias Unshare = @convention(c) (Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "unshare") else { return false }
        return unsafeBitCast(symbol, to: Unshare.self)(0x1000_0000) == 0
    }

    /// `ptrace(PTRACE_TRACEME)`, the one ptrace request that needs no other process; `ptrace` is
    /// variadic in C, so Swift does not import it.
    private static func traceMe() -> Bool {
        typealias Ptrace = @convention(c) (Int32, Int32, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "ptrace") else { return false }
        return unsafeBitCast(symbol, to: Ptrace.self)(0, 0, nil, nil) == 0  // PTRACE_TRACEME
    }

    /// The `Name:\tvalue` lines of /proc/self/status.
    private static func selfStatus() -> [String: String] {
        guard let bytes = FileManager.default.contents(atPath: "/proc/self/status") else { return [:] }
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }
}
