import CCurl

/// libcurl's URL parser (the CURLU API): the only place in the module that touches it.
///
/// Checking a URL with the very parser that will fetch it leaves no room for two parsers to
/// disagree on the host (`http://a@b\@c/`, odd IPv4 spellings). Any scheme is accepted
/// here; the caller decides which it allows.
final class CurlURL {
    private let handle: OpaquePointer

    init?() {
        guard CurlGlobal.initialized, let handle = curl_url() else { return nil }
        self.handle = handle
    }

    deinit {
        curl_url_cleanup(handle)
    }

    /// Parses `text`; when the handle already holds a URL and `text` is relative, `text` is
    /// resolved against it (RFC 3986, as libcurl resolves a Location). Returns libcurl's
    /// explanation on failure.
    func set(_ text: String) -> String? {
        let code = curl_url_set(handle, CURLUPART_URL, text, companin_curlu_non_support_scheme)
        return code == CURLUE_OK ? nil : String(cString: curl_url_strerror(code))
    }

    /// Replaces the host (an ASCII name, or a bracketed IPv6 address).
    func setHost(_ host: String) -> String? {
        let code = curl_url_set(handle, CURLUPART_HOST, host, 0)
        return code == CURLUE_OK ? nil : String(cString: curl_url_strerror(code))
    }

    enum Part {
        case url, scheme, user, password, options, host, port, zoneID
    }

    /// A part of the URL as written (a host is not converted to punycode), or nil when it is absent.
    func get(_ part: Part) -> String? {
        let curlPart: CURLUPart
        switch part {
        case .url: curlPart = CURLUPART_URL
        case .scheme: curlPart = CURLUPART_SCHEME
        case .user: curlPart = CURLUPART_USER
        case .password: curlPart = CURLUPART_PASSWORD
        case .options: curlPart = CURLUPART_OPTIONS
        case .host: curlPart = CURLUPART_HOST
        case .port: curlPart = CURLUPART_PORT
        case .zoneID: curlPart = CURLUPART_ZONEID
        }
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, curlPart, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
