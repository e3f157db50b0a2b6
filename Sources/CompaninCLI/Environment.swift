import Companin
import Foundation
import Ingestion
import Logging
import MariaDB

/// Settings read from `COMPANIN_*` environment variables; flags override them.
enum Environment {
    static func string(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func int(_ name: String, default fallback: Int) -> Int {
        string(name).flatMap(Int.init) ?? fallback
    }

    /// The hourly limit of organizations without their own: the flag, else `COMPANIN_RATE_LIMIT_PER_HOUR`, else 100.
    static func rateLimitPerHour(_ flag: Int?) throws -> Int {
        let value = flag ?? int("COMPANIN_RATE_LIMIT_PER_HOUR", default: 100)
        guard value >= 1 else { throw ConfigurationError("the rate limit must be at least 1 request per hour") }
        return value
    }

    /// Largest uploaded file: `COMPANIN_MAX_UPLOAD_BYTES`, default 20 MiB.
    static var maxUploadBytes: Int { int("COMPANIN_MAX_UPLOAD_BYTES", default: 20 << 20) }

    /// Largest JSON (non-upload) body: `COMPANIN_MAX_BODY_BYTES`, default 1 MiB.
    static var maxJSONBodyBytes: Int { int("COMPANIN_MAX_BODY_BYTES", default: 1 << 20) }

    /// Memory per responder for search indexes (vectors and words): `COMPANIN_VECTOR_CACHE_MIB`, default 64 (0: off).
    static var vectorCacheBytes: Int { max(0, int("COMPANIN_VECTOR_CACHE_MIB", default: 64)) << 20 }

    /// Knowledge settings shared by responders and ingest workers.
    static func knowledgeConfiguration() throws -> KnowledgeConfiguration {
        let enricher = try EnricherFactory.make(environment: ProcessInfo.processInfo.environment)
        var thresholds: ReplyThresholds?
        if let text = string("COMPANIN_REPLY_THRESHOLDS") {
            guard let parsed = ReplyThresholds(parsing: text, base: .for(model: enricher.embeddingModel)) else {
                throw ConfigurationError(
                    """
                    COMPANIN_REPLY_THRESHOLDS must be name=number pairs separated by commas, the names among \
                    \(ReplyThresholds.settingNames.joined(separator: ", "))
                    """)
            }
            thresholds = parsed
        }
        return KnowledgeConfiguration(
            blobDirectory: URL(fileURLWithPath: string("COMPANIN_BLOB_DIR") ?? "var/blobs", isDirectory: true),
            maxUploadBytes: maxUploadBytes,
            enricher: enricher,
            extractorExecutable: try Serve.executablePath(),
            fetchPolicy: FetchPolicy.fromEnvironment(ProcessInfo.processInfo.environment),
            vectorCacheBytes: vectorCacheBytes,
            replyThresholds: thresholds)
    }

    /// Session lifetimes: `COMPANIN_SESSION_TTL_SECONDS` (default 1800) for organizations without their
    /// own, within `COMPANIN_SESSION_TTL_MIN_SECONDS` (60) and `COMPANIN_SESSION_TTL_MAX_SECONDS` (30 days).
    static func sessionConfiguration() throws -> SessionConfiguration {
        let standard = SessionConfiguration.standard
        let configuration = SessionConfiguration(
            defaultTTLSeconds: int("COMPANIN_SESSION_TTL_SECONDS", default: standard.defaultTTLSeconds),
            minimumTTLSeconds: int("COMPANIN_SESSION_TTL_MIN_SECONDS", default: standard.minimumTTLSeconds),
            maximumTTLSeconds: int("COMPANIN_SESSION_TTL_MAX_SECONDS", default: standard.maximumTTLSeconds))
        guard configuration.isValid else {
            throw ConfigurationError(
                "session lifetimes must satisfy 1 ≤ COMPANIN_SESSION_TTL_MIN_SECONDS ≤ COMPANIN_SESSION_TTL_SECONDS ≤ COMPANIN_SESSION_TTL_MAX_SECONDS"
            )
        }
        return configuration
    }

    /// The model that writes conversation replies (`COMPANIN_REPLY_MODEL`…), or `nil` to answer from retrieval alone.
    static func replyModel() throws -> (any ChatModel)? {
        try EnricherFactory.makeReplyModel(environment: ProcessInfo.processInfo.environment)
    }

    static func databaseConfiguration() throws -> DatabaseConfiguration {
        guard let url = string("COMPANIN_DATABASE_URL") else {
            throw ConfigurationError(
                "COMPANIN_DATABASE_URL is not set (e.g. mariadb://companin:secret@localhost/companin?socket=/run/mysqld/mysqld.sock)")
        }
        return try DatabaseConfiguration(url: url)
    }

    /// One log line per event on stderr, at `COMPANIN_LOG_LEVEL` (default `info`).
    static func bootstrapLogging() {
        let level = string("COMPANIN_LOG_LEVEL").flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    static func logger(_ label: String = "companin") -> Logger {
        var logger = Logger(label: label)
        logger[metadataKey: "pid"] = "\(ProcessInfo.processInfo.processIdentifier)"
        return logger
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
