import Foundation

/// Fetches user-submitted URLs for ingestion without letting them reach the server, its
/// private network or a cloud metadata service (see `AddressGuard`).
///
/// Two layers: `CheckedURL` refuses what the URL text alone gives away (scheme, credentials,
/// an address literal in any spelling) before anything is sent, and the socket gate checks
/// the address libcurl actually connects to, after DNS, on every redirect hop. A fetch blocks
/// the calling thread; it is meant for ingest workers.
public struct Fetcher: Sendable {
    public var policy: FetchPolicy
    /// CURLOPT_RESOLVE entries (`host:port:address`) pinning a name to an address without any
    /// DNS query: lets tests stand in for a hostile resolver (DNS rebinding).
    var resolveOverrides: [String] = []

    public init(policy: FetchPolicy) {
        self.policy = policy
    }

    /// Checks a URL before anything is stored: http/https only, a host, no credentials in the URL;
    /// a literal host (any spelling) that is forbidden → forbidden_address.
    ///
    /// A DNS name passes unresolved: a slow resolver never holds the caller (a responder), and the
    /// answer never tells which internal names exist. `fetch` judges every address it connects
    /// to, after DNS, on every hop. The URL returned is libcurl's normalized form (host in punycode).
    public func validate(_ url: String) -> Result<URL, FetchError> {
        switch CheckedURL.check(url, policy: policy) {
        case .failure(let error):
            return .failure(error)
        case .success(let checked):
            guard let parsed = URL(string: checked.text) else { return .failure(.invalidURL("URL is malformed")) }
            return .success(parsed)
        }
    }

    /// GET with redirects followed by hand (≤ maxRedirects, each Location resolved against the current URL, scheme re-checked), If-None-Match/If-Modified-Since when given, Accept-Encoding for everything libcurl supports.
    ///
    /// Redirects 301, 302, 303, 307 and 308 are followed; the conditional headers go with every
    /// hop. `policy.timeout` bounds the whole fetch. A 2xx is returned with its body, a 304 to
    /// a conditional GET as `notModified`; any other status is an `http_status` error, its
    /// body never read.
    public func fetch(_ request: FetchRequest) -> Result<FetchResponse, FetchError> {
        let clock = ContinuousClock()
        let deadline = clock.now + policy.timeout
        var redirects: [String] = []
        var target: CheckedURL
        switch CheckedURL.check(request.url, policy: policy) {
        case .failure(let error): return .failure(error)
        case .success(let value): target = value
        }
        while true {
            let remaining = deadline - clock.now
            guard remaining > .zero else { return .failure(timedOut) }
            let hop: Hop
            switch transfer(target, request: request, remaining: remaining) {
            case .failure(let error): return .failure(error)
            case .success(let value): hop = value
            }

            if Self.redirectStatuses.contains(hop.status), let location = hop.headers.value("Location"), !location.isEmpty {
                guard redirects.count < policy.maxRedirects else {
                    return .failure(
                        FetchError(
                            code: "too_many_redirects",
                            message: "more than \(policy.maxRedirects) redirects"))
                }
                switch CheckedURL.check(location, relativeTo: target.text, policy: policy) {
                case .failure(let error): return .failure(error)
                case .success(let next): target = next
                }
                redirects.append(target.text)
                continue
            }

            let (contentType, charset) = Self.mediaType(hop.headers.value("Content-Type"))
            var response = FetchResponse(
                finalURL: target.text, status: hop.status, contentType: contentType,
                charset: charset, etag: hop.headers.value("ETag"),
                lastModified: hop.headers.value("Last-Modified"),
                body: hop.body, redirects: redirects)
            if hop.status == 304, request.isConditional {
                response.notModified = true
                response.body = []
                response.etag = response.etag ?? request.etag
                response.lastModified = response.lastModified ?? request.lastModified
                return .success(response)
            }
            guard (200..<300).contains(hop.status) else { return .failure(.httpStatus(hop.status)) }
            return .success(response)
        }
    }

    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    var timedOut: FetchError {
        FetchError(code: "timeout", message: "no complete response within \(HTTPClient.milliseconds(policy.timeout)) ms")
    }

    /// `text/html; charset="ISO-8859-1"` → (`text/html`, `iso-8859-1`).
    static func mediaType(_ header: String?) -> (String?, String?) {
        guard let header else { return (nil, nil) }
        let parts = header.split(separator: ";", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        let type = parts.first.map { $0.lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        var charset: String?
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces() }
            guard pair.count == 2, pair[0].lowercased() == "charset" else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            charset = value.isEmpty ? nil : value.lowercased()
            break
        }
        return (type, charset)
    }
}
