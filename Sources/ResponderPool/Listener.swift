import POSIXSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Where the pool listens: a unix socket (the default, for a web server on the same host) or a
/// loopback TCP address.
public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String, mode: mode_t)
    case tcp(host: String, port: UInt16)

    /// Parses `HOST:PORT` or `[IPv6]:PORT` for TCP.
    public static func tcp(_ text: String) throws -> ListenAddress {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            throw ListenerError.invalidAddress(text)
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ListenerError.invalidAddress(text) }
        return .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .unix(let path, _): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

public enum ListenerError: Error, CustomStringConvertible {
    case invalidAddress(String)
    case addressInUse(String)

    public var description: String {
        switch self {
        case .invalidAddress(let text): "not a listen address: \(text) (expected HOST:PORT)"
        case .addressInUse(let text): "\(text) is in use by a running server"
        }
    }
}

/// The pool's listening socket, opened once by the master and shared by every responder.
public final class Listener {
    public let address: ListenAddress
    public private(set) var descriptor: Int32

    public static let backlog: Int32 = 1024

    public init(_ address: ListenAddress) throws {
        self.address = address
        switch address {
        case .unix(let path, let mode):
            descriptor = try Self.openUnix(path: path, mode: mode)
        case .tcp(let host, let port):
            descriptor = try Self.openTCP(host: host, port: port)
        }
    }

    deinit { close() }

    /// Stops new connections from reaching the pool: a unix socket's path is removed so connects
    /// fail at once, while connections already queued stay for the responders to drain.
    public func withdraw() {
        if case .unix(let path, _) = address { unlink(path) }
    }

    public func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    private static func openUnix(path: String, mode: mode_t) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { throw ListenerError.invalidAddress(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        try removeStaleSocket(path: path, address: address)

        let fd = try systemCall("socket") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            // The mode is applied by bind through the umask, so the socket is never briefly too open.
            let previous = umask(~mode & 0o777)
            defer { umask(previous) }
            try systemCall("bind \(path)") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            try systemCall("listen") { listen(fd, backlog) }
            return fd
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// A socket file left by a crashed master is removed; one that still accepts connections is not ours to take.
    private static func removeStaleSocket(path: String, address: sockaddr_un) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw ListenerError.invalidAddress("\(path) exists and is not a socket") }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { Glibc.close(probe) }
        var address = address
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if connected == 0 { throw ListenerError.addressInUse(path) }
        unlink(path)
    }

    private static func openTCP(host: String, port: UInt16) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw ListenerError.invalidAddress("\(host):\(port) (numeric addresses only)")
        }
        defer { freeaddrinfo(result) }
        let fd = try systemCall("socket") { socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            var on: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            try systemCall("bind \(host):\(port)") { bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) }
            try systemCall("listen") { listen(fd, backlog) }
            return fd
        } catch {
            Glibc.close(fd)
            throw error
        }
    }
}
