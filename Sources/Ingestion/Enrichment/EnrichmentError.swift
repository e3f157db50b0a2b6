/// Why an enricher could not summarize, extract keywords or embed.
///
/// Messages name the endpoint and the failure, never the API key or the text being enriched,
/// so they can be stored as an ingestion job's failure reason and logged as they are.
public struct EnrichmentError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The enricher is misconfigured (unknown enricher, missing or invalid base URL or model).
        case configuration
        /// The model server could not be reached: refused, unresolvable, TLS failure, dropped.
        case connection
        /// The model server did not answer within the timeout.
        case timeout
        /// The model server answered with an HTTP status of 400 or more; see `httpStatus`.
        case httpStatus
        /// The answer was not the JSON expected, or was too large.
        case malformedResponse
        /// The server returned a different number of embeddings than texts sent.
        case countMismatch
    }

    public var code: Code
    public var message: String
    /// The HTTP status when `code` is `.httpStatus`.
    public var httpStatus: Int?

    public init(code: Code, message: String, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String {
        if let httpStatus {
            return "enrichment \(code.rawValue) \(httpStatus): \(message)"
        }
        return "enrichment \(code.rawValue): \(message)"
    }
}
