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

    init(limit: Int) {
        self.limit = limit
    }

    /// Appends a piece of the body; false when the piece would exceed the limit.
    func append(_ data: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count + data.count <= limit else {
            overflowed = true
            return false
        }
        bytes.append(contentsOf: data)
        return true
    }
}

/// One libcurl easy handle: the only place in the module that touches libcurl's C API.
///
/// A handle lives for one request on one thread; `deinit` frees it with its header list and
/// error buffer. Every CURLcode goes through `check(_:_:)`, which turns a failure into an
/// `HTTPClientError` carrying libcurl's own explanation.
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?

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
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw HTTPClientError(kind: .transfer, message: "out of memory building request headers")
            }
            list = appended
        }
        curl_slist_free_all(headerList)
        headerList = list
        try check(companin_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list), "CURLOPT_HTTPHEADER")
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
        try check(companin_curl_setopt_write_function(handle) { data, size, count, context in
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
            throw HTTPClientError(kind: .responseTooLarge, curlCode: Int(code.rawValue),
                                  message: "response body exceeds \(buffer.limit) bytes")
        }
        try check(code, "curl_easy_perform")

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

private extension String {
    func trimmingTrailingNewlines() -> String {
        var result = self
        while result.last?.isNewline == true { result.removeLast() }
        return result
    }
}
