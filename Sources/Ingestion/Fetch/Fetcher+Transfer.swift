import CCurl

extension Fetcher {
    /// One request/response exchange: a single hop of a fetch.
    struct Hop {
        var status: Int
        var headers: CurlResponseHeaders
        /// Empty unless the status is 2xx.
        var body: [UInt8]
    }

    static let accept = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.9,*/*;q=0.8"

    /// GETs `url` once, connecting only to addresses the policy permits.
    func transfer(_ url: CheckedURL, request: FetchRequest, remaining: Duration) -> Result<Hop, FetchError> {
        let policy = self.policy
        let gate = CurlSocketGate(permits: { policy.permits($0) })
        let headers = CurlResponseHeaders()
        let buffer = CurlResponseBuffer(limit: max(0, policy.maxBytes))
        buffer.keepsOnlySuccessBodiesOf = headers
        do {
            let curl = try CurlEasyHandle()
            try configure(curl, url: url, request: request, remaining: remaining)
            try curl.collectHeaders(into: headers)
            try curl.guardSockets(with: gate)
            let status = try curl.perform(into: buffer)
            return .success(Hop(status: status, headers: headers, body: buffer.bytes))
        } catch let error as HTTPClientError {
            // Every address libcurl tried was refused: the URL leads only to forbidden places.
            if gate.opened == 0, !gate.refused.isEmpty { return .failure(.forbiddenAddress) }
            return .failure(fetchError(error))
        } catch {
            return .failure(FetchError(code: "connection", message: "\(error)"))
        }
    }

    private func configure(_ curl: CurlEasyHandle, url: CheckedURL, request: FetchRequest, remaining: Duration) throws {
        try curl.set(CURLOPT_URL, url.text, "CURLOPT_URL")
        try curl.set(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        try curl.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try curl.set(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        try curl.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "CURLOPT_REDIR_PROTOCOLS_STR")
        try curl.set(CURLOPT_FOLLOWLOCATION, 0, "CURLOPT_FOLLOWLOCATION")
        // An empty string disables proxies, including those named by environment variables.
        try curl.set(CURLOPT_PROXY, "", "CURLOPT_PROXY")
        try curl.set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2), "CURLOPT_SSLVERSION")

        try curl.set(CURLOPT_TIMEOUT_MS, HTTPClient.milliseconds(remaining), "CURLOPT_TIMEOUT_MS")
        try curl.set(
            CURLOPT_CONNECTTIMEOUT_MS, HTTPClient.milliseconds(min(policy.connectTimeout, remaining)),
            "CURLOPT_CONNECTTIMEOUT_MS")
        // A connection that stalls (under 1 byte/s for 10 s) is dropped before the total timeout.
        try curl.set(CURLOPT_LOW_SPEED_LIMIT, 1, "CURLOPT_LOW_SPEED_LIMIT")
        try curl.set(CURLOPT_LOW_SPEED_TIME, 10, "CURLOPT_LOW_SPEED_TIME")
        // Refuses early when Content-Length announces too much; the write callback stops a
        // body of unknown length, or a compressed one, as soon as it crosses the limit.
        if policy.maxBytes > 0 {
            try curl.set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(policy.maxBytes), "CURLOPT_MAXFILESIZE_LARGE")
        }
        // "" offers every encoding this libcurl decodes (gzip, deflate, br, zstd).
        try curl.set(CURLOPT_ACCEPT_ENCODING, "", "CURLOPT_ACCEPT_ENCODING")
        if !resolveOverrides.isEmpty {
            try curl.set(CURLOPT_RESOLVE, lines: resolveOverrides, "CURLOPT_RESOLVE")
        }

        let userAgent =
            HTTPClient.isValidHeader(name: "User-Agent", value: policy.userAgent)
            ? policy.userAgent : FetchPolicy().userAgent
        var lines = ["User-Agent: \(userAgent)", "Accept: \(Self.accept)"]
        // Validators come from an earlier response; one that would break the header is dropped.
        if let etag = request.etag, HTTPClient.isValidHeader(name: "If-None-Match", value: etag) {
            lines.append("If-None-Match: \(etag)")
        }
        if let date = request.lastModified, HTTPClient.isValidHeader(name: "If-Modified-Since", value: date) {
            lines.append("If-Modified-Since: \(date)")
        }
        try curl.setHeaderLines(lines)
    }

    private func fetchError(_ error: HTTPClientError) -> FetchError {
        var detail = error.message
        if detail.hasPrefix("curl_easy_perform: ") { detail.removeFirst("curl_easy_perform: ".count) }
        switch CurlFailure(error) {
        case .dns: return FetchError(code: "dns", message: detail)
        case .tls: return FetchError(code: "tls", message: detail)
        case .timeout: return timedOut
        case .tooLarge: return FetchError(code: "too_large", message: "the response is larger than \(policy.maxBytes) bytes")
        case .malformedURL: return FetchError.invalidURL(detail)
        case .connection, .other: return FetchError(code: "connection", message: detail)
        }
    }
}
