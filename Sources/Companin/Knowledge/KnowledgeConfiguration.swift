import Foundation
import Ingestion

/// What the knowledge routes need beyond the database: where originals live, how big an upload may
/// be, and the enricher that embeds queries and Q&A pairs.
public struct KnowledgeConfiguration: Sendable {
    public var blobDirectory: URL
    public var maxUploadBytes: Int
    public var enricher: any Enricher
    /// The `companin` binary, run as the sandboxed extractor.
    public var extractorExecutable: String
    /// Limits and allowlist for fetching URL sources.
    public var fetchPolicy: FetchPolicy
    /// Memory each responder may spend on organizations' vectors for search (0: none, every
    /// search reads them from MariaDB).
    public var vectorCacheBytes: Int
    /// When replies answer rather than hand off, if the operator set them; else the calibrated
    /// figures of the enricher's model (`ReplyThresholds.for(model:)`).
    public var replyThresholds: ReplyThresholds?

    public init(
        blobDirectory: URL, maxUploadBytes: Int, enricher: any Enricher, extractorExecutable: String, fetchPolicy: FetchPolicy,
        vectorCacheBytes: Int = Settings.vectorCacheMiB.defaultValue << 20, replyThresholds: ReplyThresholds? = nil
    ) {
        self.replyThresholds = replyThresholds
        self.blobDirectory = blobDirectory
        self.maxUploadBytes = maxUploadBytes
        self.enricher = enricher
        self.extractorExecutable = extractorExecutable
        self.fetchPolicy = fetchPolicy
        self.vectorCacheBytes = vectorCacheBytes
    }
}
