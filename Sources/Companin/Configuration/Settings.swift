import Ingestion
import Logging
import MariaDB
import ResponderPool

/// Every setting of the platform, each declared once: its environment variable, flag, type and
/// allowed values, default, meaning and secrecy. `CompaninConfiguration` reads them; `all` lists
/// them in the order `companin config` and the README show them.
public enum Settings {
    // MARK: Database

    public static let databaseURL = Setting.databaseURL(
        "COMPANIN_DATABASE_URL", section: .database, defaultText: "— (required)",
        summary: "the application's database; query parameters `connect_timeout`, `read_timeout`, `write_timeout` (seconds) are optional")
    public static let adminDatabaseURL = Setting.databaseURL(
        "COMPANIN_ADMIN_DATABASE_URL", section: .database, defaultText: "`COMPANIN_DATABASE_URL`",
        summary: "an account allowed to create users and grant, for `companin db grant-reporting`")
    public static let replicaDatabaseURL = Setting.databaseURL(
        "COMPANIN_REPLICA_DATABASE_URL", section: .database, defaultText: "— (analytics read the primary)",
        summary:
            "a MariaDB replica of the application's database (GTID replication) that analytics read from while it is fresh; add `connect_timeout=1` so a replica that is down is noticed at once"
    )
    public static let replicaMaxLagSeconds = Setting.integer(
        "COMPANIN_REPLICA_MAX_LAG_SECONDS", section: .database, default: 10, in: 1...3_600,
        summary:
            "how far behind the primary the replica may be (its copy of the pool masters' once-a-second heartbeat) before analytics read the primary instead"
    )
    public static let migrationsDirectory = Setting.text(
        "COMPANIN_MIGRATIONS_DIR", flag: SettingFlag("migrations", "DIR", command: "migrate"), section: .database, default: "db/migrations",
        summary: "directory of the `NNNN_name.sql` migration files")

    // MARK: Pool

    public static let socket = Setting.text(
        "COMPANIN_SOCKET", flag: SettingFlag("socket", "PATH"), section: .pool, default: "var/run/companin.sock",
        summary: "unix socket to listen on")
    public static let socketMode = Setting.octalMode(
        "COMPANIN_SOCKET_MODE", flag: SettingFlag("socket-mode", "MODE"), section: .pool, default: 0o660,
        summary: "octal permissions of the socket")
    public static let listen = Setting.tcpAddress(
        "COMPANIN_LISTEN", flag: SettingFlag("listen", "HOST:PORT"), section: .pool,
        summary: "listen on TCP instead (loopback, e.g. `127.0.0.1:9000`)")
    public static let responders = Setting.integer(
        "COMPANIN_RESPONDERS", flag: SettingFlag("responders", "N"), section: .pool, default: 4, in: 1...256,
        summary: "responder processes")
    public static let maxRequests = Setting.integer(
        "COMPANIN_MAX_REQUESTS", flag: SettingFlag("max-requests", "N"), section: .pool, default: 10_000, in: 0...,
        summary: "requests per responder before it is replaced; `0` for no limit (a lone `companin respond` has none unless set)")
    public static let requestTimeout = Setting.integer(
        "COMPANIN_REQUEST_TIMEOUT", flag: SettingFlag("request-timeout", "S"), section: .pool, default: 30, in: 1...86_400,
        summary: "seconds before a busy responder is killed; the drain allows this plus 5 s")
    public static let maxBodyBytes = Setting.integer(
        "COMPANIN_MAX_BODY_BYTES", flag: SettingFlag("max-body-bytes", "N"), section: .pool, default: 1 << 20, in: 1024...,
        summary: "largest JSON request body (uploads have their own limit); larger answers `413`")
    public static let pidFile = Setting.optionalText(
        "COMPANIN_PID_FILE", flag: SettingFlag("pid-file", "PATH"), section: .pool, expectation: "a path",
        summary: "where the master writes its pid")
    public static let slowRequestMilliseconds = Setting.integer(
        "COMPANIN_SLOW_REQUEST_MS", section: .pool, default: 1_000, in: 0...,
        summary: "requests slower than this count as slow on the status page")

    // MARK: Rate limiter

    public static let rateLimitPerHour = Setting.integer(
        "COMPANIN_RATE_LIMIT_PER_HOUR", flag: SettingFlag("rate-limit-per-hour", "N"), section: .limiter, default: 100, in: 1...,
        summary: "requests per hour of an organization without its own limit")
    public static let rateLimitSlots = Setting.integer(
        "COMPANIN_RATE_LIMIT_SLOTS", flag: SettingFlag("rate-limit-slots", "N"), section: .limiter, default: 16_384, in: 64...16_777_216,
        summary: "organizations the shared limiter tracks at once (128 bytes each)")
    public static let rateLimitScope = Setting.choice(
        "COMPANIN_RATE_LIMIT_SCOPE", section: .limiter, default: RateLimitScope.host,
        summary:
            "`host`: limits are counted in this host's shared memory alone; `cluster`: hosts share each organization's hourly quota through leases in MariaDB (see \"Several hosts\")"
    )
    public static let rateLimitMaxSlice = Setting.integer(
        "COMPANIN_RATE_LIMIT_MAX_SLICE", section: .limiter, default: 500, in: 1...1_000_000,
        summary:
            "with scope `cluster`: the most requests a host leases at once (also at most a twentieth of the limit; less as the quota runs out or spreads over hosts)"
    )
    public static let hostID = Setting.hostName(
        "COMPANIN_HOST_ID", section: .limiter,
        summary: "this host's name in the cluster's leases and heartbeat; unique per host")
    public static let authCacheSeconds = Setting.integer(
        "COMPANIN_AUTH_CACHE_SECONDS", section: .limiter, default: 5, in: 0...86_400,
        summary:
            "how long a responder keeps a key's credentials (organization, limit, session lifetime) before it reads them again; a revoked key or a changed limit is seen within this time; `0` reads them on every request"
    )

    // MARK: Knowledge and ingestion

    public static let ingestWorkers = Setting.integer(
        "COMPANIN_INGEST_WORKERS", flag: SettingFlag("ingest-workers", "N"), section: .knowledge, default: 2, in: 0...64,
        summary: "ingest worker processes")
    public static let ingestJobTimeout = Setting.integer(
        "COMPANIN_INGEST_JOB_TIMEOUT", flag: SettingFlag("ingest-job-timeout", "S"), section: .knowledge, default: 300, in: 10...86_400,
        summary: "seconds one ingestion job may run before its worker is killed (its job comes back after the lease)")
    public static let ingestLeaseSeconds = Setting.integer(
        "COMPANIN_INGEST_LEASE_SECONDS", flag: SettingFlag("lease-seconds", "S", command: "ingest-worker"), section: .knowledge,
        default: 360, in: 1...86_400,
        summary: "lease of a claimed job: a job whose worker died is claimed again after it; keep it above the job timeout")
    public static let ingestMaxAttempts = Setting.integer(
        "COMPANIN_INGEST_MAX_ATTEMPTS", flag: SettingFlag("max-attempts", "N", command: "ingest-worker"), section: .knowledge,
        default: 3, in: 1...100, summary: "attempts before a failing job fails its source")
    public static let ingestMaxPerOrganization = Setting.integer(
        "COMPANIN_INGEST_MAX_PER_ORGANIZATION", flag: SettingFlag("max-per-organization", "N", command: "ingest-worker"),
        section: .knowledge, default: 0, in: 0...64,
        summary:
            "jobs of one organization running at once across all workers (claimed, not finished), so one organization's flood leaves workers for the others; `0`: all workers but one (at least one)"
    )
    public static let blobDirectory = Setting.text(
        "COMPANIN_BLOB_DIR", section: .knowledge, default: "var/blobs", summary: "where originals of uploaded files are kept")
    public static let extractionSandbox = Setting.choice(
        "COMPANIN_EXTRACTION_SANDBOX", section: .knowledge, default: ExtractionSandbox.Mode.bwrap,
        summary:
            "where ingest workers run the parsers of uploads: `bwrap` (bubblewrap sandbox, required: workers do not start without it), `auto` (the sandbox where bwrap works, else only resource limits), `off`"
    )
    public static let maxUploadBytes = Setting.integer(
        "COMPANIN_MAX_UPLOAD_BYTES", section: .knowledge, default: 20 << 20, in: 1..., summary: "largest uploaded file")
    public static let vectorCacheMiB = Setting.integer(
        "COMPANIN_VECTOR_CACHE_MIB", section: .knowledge, default: 64, in: 0...(1 << 20),
        summary:
            "memory each responder may keep organizations' search indexes in (vectors and stemmed-word postings; rebuilt when their knowledge changes, least recently used out first); an organization that does not fit is read for each search; `0` turns keeping off"
    )

    // MARK: URL fetching

    public static let fetchTimeout = Setting.seconds(
        "COMPANIN_FETCH_TIMEOUT", section: .fetch, default: FetchPolicy().timeout,
        summary: "seconds one URL fetch may take, redirects included (fractions allowed)")
    public static let fetchConnectTimeout = Setting.seconds(
        "COMPANIN_FETCH_CONNECT_TIMEOUT", section: .fetch, default: FetchPolicy().connectTimeout,
        summary: "seconds to establish each connection of a fetch (fractions allowed)")
    public static let fetchMaxBytes = Setting.integer(
        "COMPANIN_FETCH_MAX_BYTES", section: .fetch, default: FetchPolicy().maxBytes, in: 1..., summary: "largest fetched body")
    public static let fetchMaxRedirects = Setting.integer(
        "COMPANIN_FETCH_MAX_REDIRECTS", section: .fetch, default: FetchPolicy().maxRedirects, in: 0...100,
        summary: "redirects a fetch follows")
    public static let fetchAllow = Setting.networks(
        "COMPANIN_FETCH_ALLOW", section: .fetch,
        summary: "networks URL ingestion may reach although the SSRF guard forbids them, e.g. `127.0.0.1/32`")

    // MARK: Enrichment

    public static let enricher = Setting.choice(
        "COMPANIN_ENRICHER", section: .enrichment, default: EnricherKind.e5,
        summary: "`e5` (multilingual-e5-small, offline, in process), `local` (hashed vectors) or `openai`")
    public static let e5Directory = Setting.text(
        "COMPANIN_E5_DIR", section: .enrichment, default: E5Enricher.defaultDirectory,
        summary: "the installed model package (`scripts/setup` puts it there)")
    public static let openAIBaseURL = Setting.httpURL(
        "COMPANIN_OPENAI_BASE_URL", section: .enrichment,
        summary: "the OpenAI-compatible server for `COMPANIN_ENRICHER=openai` (required with it)")
    public static let openAIAPIKey = Setting.secret(
        "COMPANIN_OPENAI_API_KEY", section: .enrichment, summary: "its API key, if it needs one")
    public static let openAIEmbeddingModel = Setting.optionalText(
        "COMPANIN_OPENAI_EMBEDDING_MODEL", section: .enrichment, expectation: "a model name",
        summary: "the model it embeds with, recorded with every vector (required with `COMPANIN_ENRICHER=openai`)")
    public static let openAIChatModel = Setting.optionalText(
        "COMPANIN_OPENAI_CHAT_MODEL", section: .enrichment, expectation: "a model name",
        summary: "the model it summarizes with (without one, summaries are local); also writes replies when `COMPANIN_REPLY_MODEL` is unset"
    )

    // MARK: Replies

    public static let replyModel = Setting.optionalText(
        "COMPANIN_REPLY_MODEL", section: .replies, expectation: "a model name",
        summary: "the OpenAI-compatible model that writes conversation replies; without one, replies come from retrieval alone")
    public static let replyBaseURL = Setting.httpURL(
        "COMPANIN_REPLY_BASE_URL", section: .replies, defaultText: "`COMPANIN_OPENAI_BASE_URL`", summary: "the server of the reply model")
    public static let replyAPIKey = Setting.secret(
        "COMPANIN_REPLY_API_KEY", section: .replies, defaultText: "`COMPANIN_OPENAI_API_KEY`", summary: "its API key")
    public static let replyTimeout = Setting.integer(
        "COMPANIN_REPLY_TIMEOUT", section: .replies, default: 20, in: 1...300, summary: "seconds one reply may take")
    public static let replyThresholds = Setting.replyThresholds(
        "COMPANIN_REPLY_THRESHOLDS", section: .replies, defaultText: "the model's calibrated figures",
        summary:
            "e.g. `similar_only=0.9,pair_similarity=off`: when replies answer rather than hand off (names in \"How replies are grounded\")")

    // MARK: Sessions

    public static let sessionTTL = Setting.integer(
        "COMPANIN_SESSION_TTL_SECONDS", section: .sessions, default: SessionConfiguration.standard.defaultTTLSeconds, in: 1...,
        summary: "lifetime of a new session when neither the client nor its organization names one")
    public static let sessionTTLMinimum = Setting.integer(
        "COMPANIN_SESSION_TTL_MIN_SECONDS", section: .sessions, default: SessionConfiguration.standard.minimumTTLSeconds, in: 1...,
        summary: "shortest lifetime of a session (requested or an organization's)")
    public static let sessionTTLMaximum = Setting.integer(
        "COMPANIN_SESSION_TTL_MAX_SECONDS", section: .sessions, default: SessionConfiguration.standard.maximumTTLSeconds, in: 1...,
        summary: "longest lifetime of a session (requested or an organization's)")
    public static let sessionSweepSeconds = Setting.integer(
        "COMPANIN_SESSION_SWEEP_SECONDS", flag: SettingFlag("session-sweep-seconds", "S", command: "ingest-worker"), section: .sessions,
        default: 10, in: 1...86_400, summary: "how often each ingest worker marks expired sessions")

    // MARK: Logging

    public static let logLevel = Setting.choice(
        "COMPANIN_LOG_LEVEL", section: .logging, default: Logger.Level.info,
        summary:
            "logs go to stderr, one line per event, never with API keys; `debug` adds a line per request (every request is in nginx's access log and the request log anyway)"
    )

    /// Every setting, in the order they are shown.
    public static let all: [any AnySetting] = [
        databaseURL, adminDatabaseURL, replicaDatabaseURL, replicaMaxLagSeconds, migrationsDirectory,
        socket, socketMode, listen, responders, maxRequests, requestTimeout, maxBodyBytes, pidFile, slowRequestMilliseconds,
        rateLimitPerHour, rateLimitSlots, rateLimitScope, rateLimitMaxSlice, hostID, authCacheSeconds,
        ingestWorkers, ingestJobTimeout, ingestLeaseSeconds, ingestMaxAttempts, ingestMaxPerOrganization, blobDirectory,
        extractionSandbox, maxUploadBytes,
        vectorCacheMiB,
        fetchTimeout, fetchConnectTimeout, fetchMaxBytes, fetchMaxRedirects, fetchAllow,
        enricher, e5Directory, openAIBaseURL, openAIAPIKey, openAIEmbeddingModel, openAIChatModel,
        replyModel, replyBaseURL, replyAPIKey, replyTimeout, replyThresholds,
        sessionTTL, sessionTTLMinimum, sessionTTLMaximum, sessionSweepSeconds,
        logLevel,
    ]
}

/// Where an organization's limit is counted (`COMPANIN_RATE_LIMIT_SCOPE`).
public enum RateLimitScope: String, Sendable, CaseIterable {
    case host, cluster
}

/// The enrichers an operator may choose with `COMPANIN_ENRICHER`.
public enum EnricherKind: String, Sendable, CaseIterable {
    case e5, local, openai
}
