import Foundation

/// A URL that passed every check that needs no network: read by libcurl's own parser, http or
/// https, a host, no credentials, and not a forbidden address literal in any spelling.
///
/// What a DNS name resolves to is checked only when it is fetched, on every connection, by the
/// socket gate.
struct CheckedURL {
    static let maxLength = 8192

    /// libcurl's normalized form, the host in ASCII (punycode): exactly what is fetched.
    var text: String
    /// The host as libcurl will resolve it; an IPv6 address without brackets.
    var host: String
    /// The address, when the host is an address literal.
    var literal: IPAddress?

    /// Checks `text`, resolved against `base` when it is relative (a redirect's Location).
    static func check(_ text: String, relativeTo base: String? = nil, policy: FetchPolicy) -> Result<CheckedURL, FetchError> {
        let text = text.trimmingSpaces()
        guard !text.isEmpty else { return .failure(.invalidURL("URL is empty")) }
        guard text.utf8.count <= maxLength else { return .failure(.invalidURL("URL is longer than \(maxLength) bytes")) }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            return .failure(.invalidURL("URL contains control characters"))
        }
        if let scheme = explicitScheme(text), scheme != "http", scheme != "https" {
            return .failure(.unsupportedScheme(scheme))
        }
        guard let parser = CurlURL() else { return .failure(.invalidURL("libcurl could not be initialized")) }
        if let base, let problem = parser.set(base) {
            return .failure(.invalidURL("base URL is malformed: \(problem)"))
        }
        // Spaces and non-ASCII characters are percent-encoded, as browsers do; libcurl refuses
        // the first and would send the second raw.
        if let problem = parser.set(text.replacingOccurrences(of: " ", with: "%20")) {
            return .failure(.invalidURL("URL is malformed: \(problem)"))
        }
        guard let scheme = parser.get(.scheme)?.lowercased() else { return .failure(.invalidURL("URL has no scheme")) }
        guard scheme == "http" || scheme == "https" else { return .failure(.unsupportedScheme(scheme)) }
        guard parser.get(.user) == nil, parser.get(.password) == nil, parser.get(.options) == nil else {
            return .failure(.invalidURL("URL must not contain credentials"))
        }
        guard var host = parser.get(.host), !host.isEmpty else { return .failure(.invalidURL("URL has no host")) }
        if !host.allSatisfy(\.isASCII) {
            guard let ascii = HostName.toASCII(host), parser.setHost(ascii) == nil, let converted = parser.get(.host) else {
                return .failure(.invalidURL("URL host cannot be converted to an ASCII name"))
            }
            host = converted
        }
        // A zone (fe80::1%eth0) only ever scopes a link-local or other non-global address.
        guard parser.get(.zoneID) == nil else { return .failure(.forbiddenAddress) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let literal = AddressGuard.literalAddress(host: host)
        if let literal {
            guard policy.permits(literal) else { return .failure(.forbiddenAddress) }
        } else if AddressGuard.looksNumeric(host: host) {
            return .failure(.invalidURL("URL host looks like an IPv4 address but is not one"))
        } else if host.contains("%") {
            // libcurl has decoded the host once; a "%" left over is no host name.
            return .failure(.invalidURL("URL host must not be percent-encoded"))
        }
        guard let normalized = parser.get(.url) else { return .failure(.invalidURL("URL is malformed")) }
        return .success(CheckedURL(text: percentEncodingNonASCII(normalized), host: host, literal: literal))
    }

    /// Every byte outside ASCII as `%XX` of its UTF-8 encoding (the host is ASCII by then).
    static func percentEncodingNonASCII(_ text: String) -> String {
        guard !text.utf8.allSatisfy({ $0 < 0x80 }) else { return text }
        var result = ""
        for byte in text.utf8 {
            if byte < 0x80 {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte >> 4, radix: 16).uppercased() + String(byte & 0xf, radix: 16).uppercased()
            }
        }
        return result
    }

    /// The lowercased scheme when `text` starts with one (`ftp:`, `javascript:`), so any
    /// scheme is refused as unsupported, not as malformed. `localhost:8080` is a host and port.
    static func explicitScheme(_ text: String) -> String? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let scheme = text[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter, scheme.count <= 32,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return nil }
        let rest = text[text.index(after: colon)...]
        let port = rest.prefix { $0.isASCII && $0.isNumber }
        if !port.isEmpty, rest.dropFirst(port.count).first.map({ "/?#".contains($0) }) ?? true { return nil }
        return scheme.lowercased()
    }
}
