import Foundation
import Ingestion
import Logging
import MariaDB
import ResponderPool

/// The whole configuration of the platform, typed and validated: read once at start from flags,
/// then the environment, then the defaults of `Settings`, and passed down from there.
public struct CompaninConfiguration: Sendable {
    public struct Database: Sendable {
        /// The application's database; `nil` when `Settings.databaseURL` is unset.
        public var url: DatabaseConfiguration?
        /// An account allowed to create users and grant, when set.
        public var adminURL: DatabaseConfiguration?
        /// A replica analytics read from while it lags by at most `replicaMaxLag`.
        public var replicaURL: DatabaseConfiguration?
        public var replicaMaxLag: Duration
        public var migrationsDirectory: String

        /// The application's database, which every command that connects needs.
        public func required() throws(ConfigurationError) -> DatabaseConfiguration {
            guard let url else {
                throw ConfigurationError(
                    setting: Settings.databaseURL.variable,
                    message: "not set (e.g. mariadb://companin:secret@localhost/companin?socket=/run/mysqld/mysqld.sock)")
            }
            return url
        }

        /// The administrator's database, else the application's.
        public func administration() throws(ConfigurationError) -> DatabaseConfiguration {
            guard let url = adminURL ?? url else {
                throw ConfigurationError(
                    setting: Settings.adminDatabaseURL.variable, message: "set it or \(Settings.databaseURL.variable)")
            }
            return url
        }
    }

    public struct Pool: Sendable {
        /// The TCP address when one is set, else the unix socket (as an absolute path).
        public var listen: ListenAddress
        public var responders: Int
        /// Requests a responder serves before it is replaced; 0 for no limit.
        public var maxRequests: Int
        public var requestTimeout: Duration
        /// The largest JSON request body.
        public var maxBodyBytes: Int
        public var pidFile: String?
        public var slowRequestThreshold: Duration
    }

    public struct Limiter: Sendable {
        /// Requests per hour of an organization without its own limit.
        public var defaultPerHour: Int
        /// Organizations the shared table tracks at once.
        public var slots: Int
        /// How long a responder keeps a key's credentials.
        public var credentialLifetime: Duration
        public var scope: RateLimitScope
        /// The most requests a host leases at once (scope `cluster`).
        public var maxSlice: Int
        /// This host's name in leases and the replication heartbeat.
        public var hostID: String

        /// The cluster tier, when limits are counted across hosts.
        public var quotaLeases: QuotaLeases? {
            scope == .cluster ? QuotaLeases(host: hostID, maxSlice: maxSlice) : nil
        }
    }

    public struct Knowledge: Sendable {
        public var ingestWorkers: Int
        public var jobTimeout: Duration
        public var lease: Duration
        public var maxAttempts: Int
        /// Jobs of one organization running at once across all workers (`0` in the setting
        /// resolved here: all workers but one, at least one).
        public var maxInFlightPerOrganization: Int
        public var blobDirectory: URL
        /// Where workers run extractors; resolved to an `ExtractionSandbox` by each worker at start.
        public var extractionSandbox: ExtractionSandbox.Mode
        public var maxUploadBytes: Int
        /// Memory each responder may spend on search indexes (0: none).
        public var vectorCacheBytes: Int
    }

    public struct Replies: Sendable {
        /// The OpenAI-compatible model that writes replies.
        public struct Model: Sendable, Equatable {
            public var baseURL: String
            public var apiKey: String?
            public var name: String
            public var timeout: Duration
        }

        /// `nil` to answer from retrieval alone.
        public var model: Model?
        /// The operator's thresholds over the enricher's calibrated figures; `nil` for those figures.
        public var thresholds: ReplyThresholds?
    }

    public struct Sessions: Sendable {
        public var lifetimes: SessionConfiguration
        /// How often each ingest worker marks expired sessions.
        public var sweepInterval: Duration
    }

    public var database: Database
    public var pool: Pool
    public var limiter: Limiter
    public var knowledge: Knowledge
    public var fetch: FetchPolicy
    public var enricher: EnricherFactory.Choice
    public var replies: Replies
    public var sessions: Sessions
    public var logLevel: Logger.Level
    /// Every setting with its value as shown (secrets masked) and origin, in `Settings.all`'s order.
    public let entries: [ConfigurationEntry]

    /// Reads every setting of `Settings` from `flags`, else `environment`, else its default.
    ///
    /// - Throws: every problem at once: values that do not parse or lie outside their range,
    ///   and settings that contradict or need each other.
    public init(environment: [String: String], flags: ConfigurationFlags = .init()) throws(ConfigurationError) {
        var reader = SettingsReader(environment: environment, flags: flags)

        database = Database(
            url: reader.read(Settings.databaseURL), adminURL: reader.read(Settings.adminDatabaseURL),
            replicaURL: reader.read(Settings.replicaDatabaseURL), replicaMaxLag: .seconds(reader.read(Settings.replicaMaxLagSeconds)),
            migrationsDirectory: reader.read(Settings.migrationsDirectory))

        let socket = reader.read(Settings.socket)
        let socketMode = reader.read(Settings.socketMode)
        pool = Pool(
            listen: reader.read(Settings.listen) ?? .unix(path: URL(fileURLWithPath: socket).path, mode: mode_t(socketMode)),
            responders: reader.read(Settings.responders), maxRequests: reader.read(Settings.maxRequests),
            requestTimeout: .seconds(reader.read(Settings.requestTimeout)), maxBodyBytes: reader.read(Settings.maxBodyBytes),
            pidFile: reader.read(Settings.pidFile), slowRequestThreshold: .milliseconds(reader.read(Settings.slowRequestMilliseconds)))

        limiter = Limiter(
            defaultPerHour: reader.read(Settings.rateLimitPerHour), slots: reader.read(Settings.rateLimitSlots),
            credentialLifetime: .seconds(reader.read(Settings.authCacheSeconds)), scope: reader.read(Settings.rateLimitScope),
            maxSlice: reader.read(Settings.rateLimitMaxSlice),
            hostID: reader.read(Settings.hostID) ?? Self.machineHostName())

        let ingestWorkers = reader.read(Settings.ingestWorkers)
        let maxPerOrganization = reader.read(Settings.ingestMaxPerOrganization)
        knowledge = Knowledge(
            ingestWorkers: ingestWorkers, jobTimeout: .seconds(reader.read(Settings.ingestJobTimeout)),
            lease: .seconds(reader.read(Settings.ingestLeaseSeconds)), maxAttempts: reader.read(Settings.ingestMaxAttempts),
            maxInFlightPerOrganization: maxPerOrganization > 0 ? maxPerOrganization : max(1, ingestWorkers - 1),
            blobDirectory: URL(fileURLWithPath: reader.read(Settings.blobDirectory), isDirectory: true),
            extractionSandbox: reader.read(Settings.extractionSandbox),
            maxUploadBytes: reader.read(Settings.maxUploadBytes), vectorCacheBytes: reader.read(Settings.vectorCacheMiB) << 20)

        fetch = FetchPolicy(
            timeout: reader.read(Settings.fetchTimeout), connectTimeout: reader.read(Settings.fetchConnectTimeout),
            maxBytes: reader.read(Settings.fetchMaxBytes), maxRedirects: reader.read(Settings.fetchMaxRedirects),
            allow: reader.read(Settings.fetchAllow))

        let server = OpenAIServer(
            baseURL: reader.read(Settings.openAIBaseURL), apiKey: reader.read(Settings.openAIAPIKey),
            embeddingModel: reader.read(Settings.openAIEmbeddingModel), chatModel: reader.read(Settings.openAIChatModel))
        enricher = Self.readEnricher(&reader, server: server)
        replies = Self.readReplies(&reader, server: server, enricher: enricher)
        sessions = Self.readSessions(&reader)
        logLevel = reader.read(Settings.logLevel)

        let read = reader.entries
        entries = Settings.all.compactMap { read[$0.variable] }
        assert(
            entries.count == Settings.all.count && read.count == Settings.all.count,
            "a setting is read but not listed, or listed but not read")
        guard reader.problems.isEmpty else { throw ConfigurationError(reader.problems) }
    }

    /// The machine's host name cut to what `COMPANIN_HOST_ID` allows.
    static func machineHostName() -> String {
        let name = ProcessInfo.processInfo.hostName.unicodeScalars.map { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                ? Character(scalar) : "-"
        }
        return name.isEmpty ? "localhost" : String(String(name).prefix(64))
    }

    /// Where `setting`'s value came from.
    public func origin(of setting: some AnySetting) -> SettingOrigin {
        entries.first { $0.setting.variable == setting.variable }?.origin ?? .default
    }

    /// The OpenAI-compatible server's settings, which the enricher and the reply model share.
    private struct OpenAIServer {
        var baseURL: String?
        var apiKey: String?
        var embeddingModel: String?
        var chatModel: String?
    }

    private static func readEnricher(_ reader: inout SettingsReader, server: OpenAIServer) -> EnricherFactory.Choice {
        let kind = reader.read(Settings.enricher)
        let directory = reader.read(Settings.e5Directory)
        switch kind {
        case .e5:
            return .e5(directory: directory)
        case .local:
            return .local
        case .openai:
            let needed = "required when \(Settings.enricher.variable) is openai"
            if reader.isUnset(Settings.openAIBaseURL) { reader.problem(Settings.openAIBaseURL, needed) }
            if reader.isUnset(Settings.openAIEmbeddingModel) { reader.problem(Settings.openAIEmbeddingModel, needed) }
            return .openAI(
                .init(
                    baseURL: server.baseURL ?? "", apiKey: server.apiKey, embeddingModel: server.embeddingModel ?? "",
                    chatModel: server.chatModel))
        }
    }

    /// The reply model is `Settings.replyModel`, else the OpenAI enricher's chat model; its
    /// server and key fall back to the OpenAI enricher's.
    private static func readReplies(_ reader: inout SettingsReader, server: OpenAIServer, enricher: EnricherFactory.Choice) -> Replies {
        let named = reader.read(Settings.replyModel)
        let baseURL = reader.read(Settings.replyBaseURL) ?? server.baseURL
        let apiKey = reader.read(Settings.replyAPIKey) ?? server.apiKey
        let timeout = reader.read(Settings.replyTimeout)
        let thresholds = reader.read(Settings.replyThresholds)

        var model: Replies.Model?
        var name = named
        if case .openAI = enricher, name == nil { name = server.chatModel }
        if let name, let baseURL {
            model = Replies.Model(baseURL: baseURL, apiKey: apiKey, name: name, timeout: .seconds(timeout))
        } else if named != nil, reader.isUnset(Settings.replyBaseURL), reader.isUnset(Settings.openAIBaseURL) {
            reader.problem(
                Settings.replyBaseURL, "required with \(Settings.replyModel.variable) (unless \(Settings.openAIBaseURL.variable) is set)")
        }
        let base = ReplyThresholds.for(model: enricher.embeddingModel)
        return Replies(model: model, thresholds: thresholds.flatMap { ReplyThresholds(parsing: $0, base: base) })
    }

    private static func readSessions(_ reader: inout SettingsReader) -> Sessions {
        let before = reader.problems.count
        let lifetimes = SessionConfiguration(
            defaultTTLSeconds: reader.read(Settings.sessionTTL), minimumTTLSeconds: reader.read(Settings.sessionTTLMinimum),
            maximumTTLSeconds: reader.read(Settings.sessionTTLMaximum))
        if reader.problems.count == before, !lifetimes.isValid {
            reader.problem(
                Settings.sessionTTL,
                """
                must lie within \(reader.label(Settings.sessionTTLMinimum)) and \(reader.label(Settings.sessionTTLMaximum)), \
                the minimum at most the maximum (got \(lifetimes.minimumTTLSeconds) ≤ \(lifetimes.defaultTTLSeconds) \
                ≤ \(lifetimes.maximumTTLSeconds))
                """)
        }
        return Sessions(lifetimes: lifetimes, sweepInterval: .seconds(reader.read(Settings.sessionSweepSeconds)))
    }
}
