import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// getaddrinfo(3) with a deadline, for `Fetcher.validate`.
///
/// getaddrinfo cannot be cancelled, so it runs on a Dispatch thread and the caller stops
/// waiting at the deadline; a late answer is dropped when it arrives.
enum AddressResolver {
    static func resolve(_ host: String, timeout: Duration) -> Result<[IPAddress], FetchError> {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            box.set(lookup(host))
            done.signal()
        }
        let milliseconds = HTTPClient.milliseconds(timeout)
        guard done.wait(timeout: .now() + .milliseconds(milliseconds)) == .success, let result = box.get() else {
            return .failure(FetchError(code: "dns", message: "resolving \(host) timed out after \(milliseconds) ms"))
        }
        return result
    }

    /// Every address `host` resolves to, both families, as libcurl would ask for them.
    static func lookup(_ host: String) -> Result<[IPAddress], FetchError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0 else {
            return .failure(FetchError(code: "dns", message: "\(host) could not be resolved: \(String(cString: gai_strerror(status)))"))
        }
        var addresses: [IPAddress] = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ai_addr, let parsed = ipAddress(address), !addresses.contains(parsed) {
                addresses.append(parsed)
            }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else {
            return .failure(FetchError(code: "dns", message: "\(host) resolves to no address"))
        }
        return .success(addresses)
    }

    private static func ipAddress(_ address: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                IPAddress(v4: UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin6_addr) { IPAddress(bytes: $0) }
            }
        default:
            return nil
        }
    }

    /// The lookup's result, handed from the Dispatch thread to the waiting caller.
    /// `@unchecked Sendable`: every access holds `lock`.
    private final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<[IPAddress], FetchError>?

        func set(_ value: Result<[IPAddress], FetchError>) { lock.withLock { result = value } }
        func get() -> Result<[IPAddress], FetchError>? { lock.withLock { result } }
    }
}
