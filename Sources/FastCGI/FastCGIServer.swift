import CFastCGI
import Foundation
import HTTP

#if canImport(Glibc)
    import Glibc
#endif

/// A FastCGI responder over libfcgi, serving one connection at a time from a listening socket
/// (fd 0 by the FastCGI convention, as `spawn-fcgi` and the pool hand it over).
///
/// The listening socket is switched to non-blocking and waited on with `poll`, so the caller regains
/// control between requests (to notice signals or a deadline) and several processes can share the
/// socket without one of them blocking in `accept` after another won the race.
public final class FastCGIServer {
    public struct Configuration: Sendable {
        /// Bodies larger than this are read and discarded, and the request answers `413`.
        public var maxBodyBytes: Int

        public init(maxBodyBytes: Int = 1 << 20) {
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// A request taken off the socket, waiting for its response.
    public enum Incoming {
        case request(Request)
        /// The request could not be turned into a `Request` (too large, bad framing); answer with this error.
        case rejected(HTTPError, Request)
    }

    public let configuration: Configuration
    private let listenDescriptor: Int32
    private let raw: UnsafeMutablePointer<FCGX_Request>
    private var inRequest = false

    /// Prepares libfcgi on `listenDescriptor`. Throws when the descriptor is not a listening socket.
    public init(listenDescriptor: Int32 = 0, configuration: Configuration = Configuration()) throws {
        self.listenDescriptor = listenDescriptor
        self.configuration = configuration
        var info = stat()
        guard fstat(listenDescriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw FastCGIError.notASocket(descriptor: listenDescriptor)
        }
        let flags = fcntl(listenDescriptor, F_GETFL)
        guard flags >= 0, fcntl(listenDescriptor, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw FastCGIError.system(call: "fcntl", errno: errno)
        }
        // libfcgi writes with write(2): a web server that hung up must cost one response, not the process.
        signal(SIGPIPE, SIG_IGN)
        guard FCGX_Init() == 0 else { throw FastCGIError.library(call: "FCGX_Init", code: -1) }
        raw = .allocate(capacity: 1)
        guard FCGX_InitRequest(raw, listenDescriptor, 0) == 0 else {
            raw.deallocate()
            throw FastCGIError.library(call: "FCGX_InitRequest", code: -1)
        }
    }

    deinit {
        if inRequest { FCGX_Finish_r(raw) }
        FCGX_Free(raw, 1)
        raw.deallocate()
    }

    /// Waits up to `timeoutMilliseconds` (`-1`: indefinitely, `0`: not at all) for a connection and
    /// reads its request. Returns `nil` when none arrived in time or another process took it.
    public func next(timeoutMilliseconds: Int32) throws -> Incoming? {
        precondition(!inRequest, "respond(_:) must be called before the next request")
        var descriptor = pollfd(fd: listenDescriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return nil }
            throw FastCGIError.system(call: "poll", errno: errno)
        }
        guard ready > 0 else { return nil }
        if descriptor.revents & Int16(POLLNVAL | POLLERR) != 0 {
            throw FastCGIError.system(call: "poll", errno: EBADF)
        }
        let status = FCGX_Accept_r(raw)
        if status < 0 {
            // EAGAIN: a sibling process accepted this connection first. Connection-level failures
            // (the web server hung up before sending params) are not ours to report either.
            if [EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, ECONNRESET, EPIPE, EPROTO].contains(-status) || status == -9999 {
                return nil
            }
            throw FastCGIError.library(call: "FCGX_Accept_r", code: status)
        }
        inRequest = true
        return readRequest()
    }

    /// Writes the response with a CGI `Status:` line and finishes the request. A web server that went
    /// away mid-response only loses this response; the error is reported, never fatal.
    @discardableResult
    public func respond(_ response: Response) -> Bool {
        precondition(inRequest, "respond(_:) without a request")
        defer {
            FCGX_Finish_r(raw)
            inRequest = false
        }
        var head = "Status: \(response.status.code) \(response.status.reasonPhrase)\r\n"
        var headers = response.headers
        if response.status != .noContent && response.status != .notModified {
            headers.set("Content-Length", String(response.body.count))
        }
        for (name, value) in headers {
            head += "\(Self.sanitized(name)): \(Self.sanitized(value))\r\n"
        }
        head += "\r\n"
        guard write(Array(head.utf8)) else { return false }
        return response.body.withUnsafeBytes { write(UnsafeRawBufferPointer($0)) }
    }

    private func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, 1 << 20)
            let written = FCGX_PutStr(
                bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self),
                Int32(chunk), raw.pointee.out)
            guard written == chunk else { return false }
            offset += chunk
        }
        return true
    }

    private func readRequest() -> Incoming {
        let params = parameters()
        var request = FastCGIRequestBuilder.request(from: params)
        let declaredLength = params["CONTENT_LENGTH"].flatMap { Int($0) } ?? 0
        if declaredLength > configuration.maxBodyBytes {
            discardBody()
            return .rejected(
                HTTPError(
                    .payloadTooLarge,
                    detail: "Request body exceeds \(configuration.maxBodyBytes) bytes"), request)
        }
        guard let body = readBody(limit: configuration.maxBodyBytes) else {
            discardBody()
            return .rejected(
                HTTPError(
                    .payloadTooLarge,
                    detail: "Request body exceeds \(configuration.maxBodyBytes) bytes"), request)
        }
        request.body = body
        return .request(request)
    }

    private func parameters() -> [String: String] {
        var entries: [String] = []
        guard var cursor = raw.pointee.envp else { return [:] }
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            cursor += 1
        }
        return FastCGIRequestBuilder.parameters(fromEnvironment: entries)
    }

    /// Reads stdin to its end; `nil` once more than `limit` bytes arrived.
    private func readBody(limit: Int) -> Data? {
        var body = Data()
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        while true {
            let count = FCGX_GetStr(&buffer, Int32(buffer.count), raw.pointee.in)
            if count <= 0 { break }
            if body.count + Int(count) > limit { return nil }
            buffer.withUnsafeBytes { body.append(contentsOf: $0.prefix(Int(count))) }
        }
        return body
    }

    /// Consumes the rest of stdin so the web server sees a clean response instead of a reset.
    private func discardBody() {
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        while FCGX_GetStr(&buffer, Int32(buffer.count), raw.pointee.in) > 0 {}
    }

    /// Header text must not break the CGI response framing: CR, LF and NUL become spaces. Checked
    /// on bytes, not `Character`s: `"\r\n"` is one `Character`, equal to neither `"\r"` nor `"\n"`.
    static func sanitized(_ text: String) -> String {
        func isBreaking(_ byte: UInt8) -> Bool { byte == 0x0D || byte == 0x0A || byte == 0x00 }
        guard text.utf8.contains(where: isBreaking) else { return text }
        return String(decoding: text.utf8.map { isBreaking($0) ? 0x20 : $0 }, as: UTF8.self)
    }
}

public enum FastCGIError: Error, CustomStringConvertible {
    case notASocket(descriptor: Int32)
    case system(call: String, errno: Int32)
    case library(call: String, code: Int32)

    public var description: String {
        switch self {
        case .notASocket(let descriptor):
            "file descriptor \(descriptor) is not a listening socket (run under `companin serve` or spawn-fcgi)"
        case .system(let call, let code):
            "\(call) failed: \(String(cString: strerror(code)))"
        case .library(let call, let code):
            "\(call) failed with \(code)"
        }
    }
}
