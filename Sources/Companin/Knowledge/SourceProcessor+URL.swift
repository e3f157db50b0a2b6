import Foundation
import HTTP
import Ingestion

/// What one fetch of a URL source found, recorded on the source.
struct FetchedPage {
    var finalURL: String
    var status: Int
    var mediaType: String?
    var etag: String?
    var lastModified: String?
    var fetchedAt: Date
}

extension SourceProcessor {
    enum Fetched {
        case unchanged(FetchedPage)
        case content(FetchedPage, Extraction)
    }

    /// Fetches through the SSRF guard (conditionally, when the last fetch left validators) and
    /// extracts the body in the sandbox like an uploaded file of the same type.
    func fetch(_ source: KnowledgeSource) throws -> Fetched {
        guard let url = source.url else { throw PermanentFailure(code: "invalid_url", message: "The source has no URL") }
        let response: FetchResponse
        switch fetcher.fetch(FetchRequest(url: url, etag: source.etag, lastModified: source.lastModified)) {
        case .success(let fetched):
            response = fetched
        case .failure(let error):
            if let unreachable = Self.unreachableName(error, url: url) { throw unreachable }
            // Sites time out and come back; a forbidden address or a 404 does not fix itself.
            let transient = ["connection", "timeout", "dns", "tls"].contains(error.code) || (error.httpStatus ?? 0) >= 500
            if transient { throw RetryableFailure(description: "\(error.code): \(error.message)") }
            throw PermanentFailure(code: error.code, message: error.message)
        }
        let page = FetchedPage(
            finalURL: response.finalURL, status: response.status, mediaType: response.contentType,
            etag: response.etag, lastModified: response.lastModified, fetchedAt: .now.truncatedToMicroseconds)
        if response.notModified { return .unchanged(page) }

        guard let detected = ContentSniffer.detect(response.body) else {
            throw PermanentFailure(
                code: "unsupported_type",
                message: "The URL returned \(response.contentType ?? "an unknown type"); accepted: \(ContentSniffer.acceptedDescription)")
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("companin-fetch-\(UUID().uuidString)")
        try Data(response.body).write(to: temporary)
        defer { try? FileManager.default.removeItem(at: temporary) }
        switch runner.extract(path: temporary.path, kind: detected.kind, charset: response.charset) {
        case .success(let extraction):
            var fetched = page
            fetched.mediaType = response.contentType ?? detected.mediaType
            return .content(fetched, extraction)
        case .failure(let error):
            throw PermanentFailure(code: error.code, message: error.message)
        }
    }

    /// A name that does not resolve and a name that resolves to an internal address fail alike,
    /// so that a source's error never tells which internal names exist. A literal address says
    /// what it is (the client wrote it).
    static func unreachableName(_ error: FetchError, url: String) -> PermanentFailure? {
        guard error.code == "dns" || error.code == "forbidden_address",
            let host = URL(string: url)?.host, IPAddress(host.trimmingCharacters(in: ["[", "]"])) == nil
        else { return nil }
        return PermanentFailure(code: "unreachable_host", message: "The host's name does not resolve to an address Companin may fetch from")
    }
}
