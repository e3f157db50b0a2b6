import CCurl

/// libcurl's process-wide initialization, run once on first use.
///
/// `curl_global_init` is not thread-safe; a `static let` is initialized exactly once under
/// Swift's lazy-global lock, so every thread sees the finished call.
enum CurlGlobal {
    static let initialized: Bool = companin_curl_global_init_default() == CURLE_OK
}

/// Receives the response body from libcurl's write callback and stops the transfer once it
/// would exceed `limit`.
final class CurlResponseBuffer {
    let limit: Int
    var bytes: [UInt8] = []
    var overflowed = false
    /// When set, only the body of a 2xx response is kept: any other body is abandoned at its
    /// first byte, since its status and headers already say everything wanted.
    var keepsOnlySuccessBodiesOf: CurlResponseHeaders?
    private(set) var abandoned = false

    init(limit: Int) {
        self.limit = limit
    }

    /// Appends a piece of the body; false when the piece would exceed the limit, or is the
    /// body of a response whose body is not wanted.
    func append(_ data: UnsafeRawBufferPointer) -> Bool {
        if let headers = keepsOnlySuccessBodiesOf, !(200..<300).contains(headers.status) {
            abandoned = true
            return false
        }
        guard bytes.count + data.count <= limit else {
            overflowed = true
            return false
        }
        bytes.append(contentsOf: data)
        return true
    }
}

/// Collects the response header block from libcurl's header callback.
///
/// A status line starts a new block, so interim responses (100 Continue) leave nothing behind;
/// obsolete folded lines continue the field before them. More than `byteLimit` bytes of
/// headers abort the transfer.
final class CurlResponseHeaders {
    static let byteLimit = 256 << 10

    private(set) var status = 0
    private(set) var fields: [(name: String, value: String)] = []
    private(set) var overflowed = false
    private var byteCount = 0

    /// Takes one header line as libcurl delivers it (with its CRLF); false aborts the transfer.
    func receive(_ data: UnsafeRawBufferPointer) -> Bool {
        byteCount += data.count
        guard byteCount <= Self.byteLimit else {
            overflowed = true
            return false
        }
        var line = String(decoding: data, as: UTF8.self)
        while line.last?.isNewline == true { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            let pieces = line.split(separator: " ", maxSplits: 2)
            status = pieces.count >= 2 ? Int(pieces[1]) ?? 0 : 0
            fields = []
        } else if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
            fields[fields.count - 1].value += " " + line.trimmingSpaces()
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon]).trimmingSpaces()
            let value = String(line[line.index(after: colon)...]).trimmingSpaces()
            fields.append((name, value))
        }
        return true
    }

    /// The last value of the field `name` (case-insensitive), as browsers take a repeated
    /// `Content-Type`.
    func value(_ name: String) -> String? {
        let lowered = name.lowercased()
        return fields.last { $0.name.lowercased() == lowered }?.value
    }
}

/// Decides, for every socket libcurl is about to open, whether its address may be connected
/// to, and remembers the refusals.
///
/// libcurl calls the opensocket callback after name resolution and before `connect`, for every
/// address it tries (both families of happy eyeballs, each redirect hop on a new handle), so
/// a check here covers DNS rebinding and whatever libcurl would connect to next.
final class CurlSocketGate {
    let permits: (IPAddress) -> Bool
    /// "address port" of each refused attempt, in order.
    private(set) var refused: [String] = []
    /// How many sockets were opened (addresses permitted).
    private(set) var opened = 0

    init(permits: @escaping (IPAddress) -> Bool) {
        self.permits = permits
    }

    fileprivate func open(purpose: curlsocktype, address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        var port: Int32 = 0
        let peer: IPAddress? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buffer in
            let count = companin_curl_sockaddr_ip(address, buffer.baseAddress, &port)
            return count == 0 ? nil : IPAddress(bytes: buffer.prefix(Int(count)))
        }
        guard purpose == CURLSOCKTYPE_IPCXN, let peer, permits(peer) else {
            refused.append("\(peer.map(String.init(describing:)) ?? "non-IP address") \(port)")
            return companin_curl_socket_bad()
        }
        opened += 1
        return companin_curl_open_socket(address)
    }
}

/// One libcurl easy handle: the only place in the module that touches libcurl's easy API
/// (`CurlURL` wraps its URL parser).
///
/// A handle lives for one request on one thread; `deinit` frees it with its header list and
/// error buffer. Every CURLcode goes through `check(_:_:)`, which turns a failure into an
/// `HTTPClientError` carrying libcurl's own explanation.
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var otherLists: [UnsafeMutablePointer<curl_slist>] = []
    // Held for as long as libcurl may call back into them.
    private var responseHeaders: CurlResponseHeaders?
    private var socketGate: CurlSocketGate?

    init() throws {
        guard CurlGlobal.initialized, let handle = curl_easy_init() else {
            throw HTTPClientError(kind: .transfer, message: "libcurl could not be initialized")
        }
        let size = Int(CURL_ERROR_SIZE) + 1
        self.handle = handle
        self.errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
        try check(companin_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        for list in otherLists {
            curl_slist_free_all(list)
        }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int, _ name: String) throws {
        try check(companin_curl_setopt_long(handle, option, value), name)
    }

    /// libcurl copies string options (all but CURLOPT_POSTFIELDS), so the Swift string may die
    /// after the call.
    func set(_ option: CURLoption, _ value: String, _ name: String) throws {
        try check(value.withCString { companin_curl_setopt_string(handle, option, $0) }, name)
    }

    func set(_ option: CURLoption, offset value: Int64, _ name: String) throws {
        try check(companin_curl_setopt_off_t(handle, option, curl_off_t(value)), name)
    }

    /// Replaces the request header lines ("Name: value").
    func setHeaderLines(_ lines: [String]) throws {
        let list = try Self.stringList(lines)
        curl_slist_free_all(headerList)
        headerList = list
        try check(companin_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list), "CURLOPT_HTTPHEADER")
    }

    /// Sets a string-list option other than the request headers (e.g. CURLOPT_RESOLVE); the
    /// list lives as long as the handle.
    func set(_ option: CURLoption, lines: [String], _ name: String) throws {
        let list = try Self.stringList(lines)
        if let list { otherLists.append(list) }
        try check(companin_curl_setopt_pointer(handle, option, list), name)
    }

    private static func stringList(_ lines: [String]) throws -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw HTTPClientError(kind: .transfer, message: "out of memory building a string list")
            }
            list = appended
        }
        return list
    }

    /// Collects the response headers of the next `perform` into `headers`.
    func collectHeaders(into headers: CurlResponseHeaders) throws {
        responseHeaders = headers
        let context = Unmanaged.passUnretained(headers).toOpaque()
        try check(companin_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "CURLOPT_HEADERDATA")
        try check(
            companin_curl_setopt_header_function(handle) { data, size, count, context in
                guard let context else { return 0 }
                let headers = Unmanaged<CurlResponseHeaders>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                guard length > 0, let data else { return length }
                return headers.receive(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
            }, "CURLOPT_HEADERFUNCTION")
    }

    /// Lets libcurl open a socket only to addresses `gate` permits; a refused address fails
    /// like a refused connection (CURLE_COULDNT_CONNECT) and libcurl tries the next one.
    func guardSockets(with gate: CurlSocketGate) throws {
        socketGate = gate
        let context = Unmanaged.passUnretained(gate).toOpaque()
        try check(companin_curl_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, context), "CURLOPT_OPENSOCKETDATA")
        try check(
            companin_curl_setopt_opensocket_function(handle) { context, purpose, address in
                guard let context, let address else { return companin_curl_socket_bad() }
                let gate = Unmanaged<CurlSocketGate>.fromOpaque(context).takeUnretainedValue()
                return gate.open(purpose: purpose, address: address)
            }, "CURLOPT_OPENSOCKETFUNCTION")
    }

    /// A string the last transfer reported (CURLINFO_PRIMARY_IP, …), or nil.
    func info(_ info: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard companin_curl_getinfo_string(handle, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }

    /// Makes the request a POST of `body`; libcurl keeps its own copy of the bytes.
    func setPostBody(_ body: [UInt8]) throws {
        try set(CURLOPT_POST, 1, "CURLOPT_POST")
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count), "CURLOPT_POSTFIELDSIZE_LARGE")
        if body.isEmpty {
            // An empty array may have no storage; libcurl still wants a valid pointer.
            try set(CURLOPT_COPYPOSTFIELDS, "", "CURLOPT_COPYPOSTFIELDS")
            return
        }
        let code = body.withUnsafeBytes { raw in
            companin_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
        }
        try check(code, "CURLOPT_COPYPOSTFIELDS")
    }

    /// Runs the transfer, streaming the body into `buffer`; returns the HTTP status code.
    func perform(into buffer: CurlResponseBuffer) throws -> Int {
        let context = Unmanaged.passUnretained(buffer).toOpaque()
        try check(companin_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "CURLOPT_WRITEDATA")
        try check(
            companin_curl_setopt_write_function(handle) { data, size, count, context in
                guard let context else { return 0 }
                let buffer = Unmanaged<CurlResponseBuffer>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                guard length > 0, let data else { return 0 }
                // Returning anything but `length` makes libcurl abort with CURLE_WRITE_ERROR.
                return buffer.append(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
            }, "CURLOPT_WRITEFUNCTION")

        errorBuffer[0] = 0
        let code = withExtendedLifetime(buffer) { curl_easy_perform(handle) }
        if buffer.overflowed || code == CURLE_FILESIZE_EXCEEDED {
            throw HTTPClientError(
                kind: .responseTooLarge, curlCode: Int(code.rawValue),
                message: "response body exceeds \(buffer.limit) bytes")
        }
        if responseHeaders?.overflowed == true {
            throw HTTPClientError(
                kind: .responseTooLarge, curlCode: Int(code.rawValue),
                message: "response headers exceed \(CurlResponseHeaders.byteLimit) bytes")
        }
        // An abandoned body stopped the transfer on purpose, after the headers were complete.
        if !(buffer.abandoned && code == CURLE_WRITE_ERROR) {
            try check(code, "curl_easy_perform")
        }

        var status = 0
        try check(companin_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), "CURLINFO_RESPONSE_CODE")
        return status
    }

    /// Turns a failed CURLcode into an `HTTPClientError` with libcurl's text and, when libcurl
    /// wrote one, the detail from the error buffer (e.g. "Failed to connect to … Connection refused").
    func check(_ code: CURLcode, _ operation: String) throws {
        guard code != CURLE_OK else { return }
        let summary = String(cString: curl_easy_strerror(code))
        let detail = String(cString: errorBuffer)
        var message = "\(operation): \(summary)"
        if !detail.isEmpty, detail != summary {
            message += " (\(detail.trimmingTrailingNewlines()))"
        }
        throw HTTPClientError(kind: HTTPClientError.Kind(code), curlCode: Int(code.rawValue), message: message)
    }
}

/// A libcurl failure, finer than `HTTPClientError.Kind`, for callers that tell DNS from TLS.
enum CurlFailure {
    case dns, connection, tls, timeout, tooLarge, malformedURL, other

    init(_ error: HTTPClientError) {
        if error.kind == .responseTooLarge {
            self = .tooLarge
            return
        }
        switch CURLcode(UInt32(clamping: max(0, error.curlCode))) {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .dns
        case CURLE_COULDNT_CONNECT, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
            CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3, CURLE_WEIRD_SERVER_REPLY,
            CURLE_BAD_CONTENT_ENCODING, CURLE_UNSUPPORTED_PROTOCOL, CURLE_WRITE_ERROR,
            CURLE_ABORTED_BY_CALLBACK, CURLE_INTERFACE_FAILED:
            self = .connection
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            self = .tls
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_FILESIZE_EXCEEDED:
            self = .tooLarge
        case CURLE_URL_MALFORMAT:
            self = .malformedURL
        default:
            self = error.kind == .connection ? .connection : .other
        }
    }
}

extension HTTPClientError.Kind {
    /// The kind of failure a CURLcode stands for.
    init(_ code: CURLcode) {
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL:
            self = .unsupportedProtocol
        case CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT:
            self = .invalidRequest
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
            CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_GOT_NOTHING,
            CURLE_SEND_ERROR, CURLE_RECV_ERROR:
            self = .connection
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_FILESIZE_EXCEEDED:
            self = .responseTooLarge
        default:
            self = .transfer
        }
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var result = self
        while result.last?.isNewline == true { result.removeLast() }
        return result
    }
}
