import CCurl

/// A small synchronous HTTP client over libcurl, for a process that does one thing at a time
/// (an ingest worker, a responder).
///
/// Each request uses a fresh easy handle and blocks the calling thread until the response is
/// complete. Defaults are the conservative ones a server wants: only http and https, no
/// redirects followed (a 3xx comes back as the response), no proxy from the environment, no
/// signals (safe in threaded processes), a total timeout, and a cap on the response body that
/// aborts the transfer as soon as it is crossed.
public struct HTTPClient: Sendable {
    /// Sent as `User-Agent` unless the caller passes its own.
    public var userAgent: String
    /// A proxy URL (e.g. `http://proxy.internal:3128`), or nil for direct connections. The
    /// `http_proxy`/`https_proxy` environment variables are ignored either way.
    public var proxy: String?

    public init(userAgent: String = "Companin/1", proxy: String? = nil) {
        self.userAgent = userAgent
        self.proxy = proxy
    }

    /// POSTs `body` to `url` and returns the status and body of the response.
    ///
    /// - Parameters:
    ///   - headers: name/value pairs; a name or value containing CR or LF is refused.
    ///   - timeout: for the whole exchange, connecting included.
    ///   - maxResponseBytes: the largest body accepted; a larger one aborts the transfer with
    ///     `HTTPClientError.Kind.responseTooLarge`.
    /// - Throws: `HTTPClientError` when no complete response arrived. HTTP error statuses are
    ///   returned, not thrown.
    public func post(
        url: String, headers: [(String, String)], body: [UInt8], timeout: Duration,
        maxResponseBytes: Int
    ) throws -> (status: Int, body: [UInt8]) {
        let curl = try CurlEasyHandle()
        try configure(curl, url: url, headers: headers, timeout: timeout, maxResponseBytes: maxResponseBytes)
        try curl.setPostBody(body)
        let buffer = CurlResponseBuffer(limit: max(0, maxResponseBytes))
        let status = try curl.perform(into: buffer)
        return (status, buffer.bytes)
    }

    private func configure(
        _ curl: CurlEasyHandle, url: String, headers: [(String, String)],
        timeout: Duration, maxResponseBytes: Int
    ) throws {
        var lines: [String] = []
        var hasUserAgent = false
        for (name, value) in headers {
            guard Self.isValidHeader(name: name, value: value) else {
                throw HTTPClientError(kind: .invalidRequest, message: "invalid request header \(name.debugDescription)")
            }
            if name.lowercased() == "user-agent" { hasUserAgent = true }
            lines.append("\(name): \(value)")
        }
        if !hasUserAgent { lines.append("User-Agent: \(userAgent)") }
        // No "Expect: 100-continue" round trip before large bodies.
        lines.append("Expect:")

        try curl.set(CURLOPT_URL, url, "CURLOPT_URL")
        try curl.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try curl.set(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        try curl.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "CURLOPT_REDIR_PROTOCOLS_STR")
        try curl.set(CURLOPT_FOLLOWLOCATION, 0, "CURLOPT_FOLLOWLOCATION")
        // An empty string disables proxies, including those named by environment variables.
        try curl.set(CURLOPT_PROXY, proxy ?? "", "CURLOPT_PROXY")
        let milliseconds = Self.milliseconds(timeout)
        try curl.set(CURLOPT_TIMEOUT_MS, milliseconds, "CURLOPT_TIMEOUT_MS")
        try curl.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds, "CURLOPT_CONNECTTIMEOUT_MS")
        // Refuses early when Content-Length announces too much; the write callback enforces
        // the limit on bodies of unknown length.
        // (0 means "no limit" to libcurl, so it is only set for a positive limit.)
        if maxResponseBytes > 0 {
            try curl.set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(maxResponseBytes), "CURLOPT_MAXFILESIZE_LARGE")
        }
        // Offer every encoding libcurl can decode; the size limit applies to the decoded body.
        try curl.set(CURLOPT_ACCEPT_ENCODING, "", "CURLOPT_ACCEPT_ENCODING")
        try curl.setHeaderLines(lines)
    }

    static func isValidHeader(name: String, value: String) -> Bool {
        guard !name.isEmpty, !name.contains(":") else { return false }
        let forbidden: Set<Unicode.Scalar> = ["\r", "\n", "\0"]
        return !name.unicodeScalars.contains(where: { forbidden.contains($0) || $0 == " " })
            && !value.unicodeScalars.contains(where: forbidden.contains)
    }

    /// A timeout in whole milliseconds, at least 1: libcurl reads 0 as "no timeout".
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = seconds.multipliedReportingOverflow(by: 1000)
        if total.overflow || seconds < 0 { return seconds < 0 ? 1 : Int.max }
        return max(1, Int(total.partialValue + attoseconds / 1_000_000_000_000_000))
    }
}
