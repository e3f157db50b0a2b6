import Foundation
import HTTP
import MariaDB
import RateLimiter
import Testing

@testable import Companin

/// The database side of several hosts: quota leases against MariaDB, with "hosts" that are
/// applications in this process (a limiter table and a connection each), and where analytics read.
/// The same with real pools, nginx and a replica: Tests/Cluster.
@Suite("Cluster tier", .enabled(if: TestApp.isAvailable), .serialized)
struct ClusterTierTests {
    @Test func theSliceShrinksNearTheLimitAndAcrossHosts() {
        #expect(QuotaLeases.slice(quota: 300, ungranted: 300, hosts: 1, maxSlice: 500) == 15)
        #expect(QuotaLeases.slice(quota: 300, ungranted: 300, hosts: 1, maxSlice: 10) == 10)
        #expect(QuotaLeases.slice(quota: 300, ungranted: 40, hosts: 2, maxSlice: 500) == 10)
        #expect(QuotaLeases.slice(quota: 300, ungranted: 20, hosts: 3, maxSlice: 500) == 3)
        #expect(QuotaLeases.slice(quota: 300, ungranted: 1, hosts: 3, maxSlice: 500) == 1)
        #expect(QuotaLeases.slice(quota: 300, ungranted: 0, hosts: 1, maxSlice: 500) == 0)
        #expect(QuotaLeases.slice(quota: 10, ungranted: 10, hosts: 1, maxSlice: 500) == 1)
    }

    /// Three hosts take turns at one organization's 120 requests an hour: never more than 120 are
    /// admitted, at least 120 minus what the hosts hold, and once they give back what they hold
    /// the rest is spent too — exactly 120, whatever host served them.
    @Test func threeHostsShareOneLimitExactly() throws {
        try waitUnlessWellInsideTheHour()
        let leases = ["host-a", "host-b", "host-c"].map { QuotaLeases(host: $0, maxSlice: 500) }
        let first = try TestApp(leases: leases[0])
        _ = try OrganizationStore(database: first.database).setRateLimit(first.organizationID, perHour: 120)
        let hosts = [first] + (try leases.dropFirst().map { try TestApp(leases: $0, sameOrganizationAs: first) })

        var admitted = 0
        for round in 0..<100 {
            for host in hosts {
                let response = host.send(.get, "/api/v1/assistants/")
                #expect(response.status == 200 || response.status == 429, "round \(round): \(response.status) \(response.json)")
                if response.status == 200 { admitted += 1 }
            }
        }
        let window = try #require(try windowRow(first))
        #expect(window.quota == 120)
        #expect(admitted <= 120)
        #expect(admitted >= 120 - 3 * window.largestSlice)
        #expect(window.granted <= 120)
        #expect(try leasedNotReturned(first) == window.granted)

        // What the hosts still hold goes back, and host a can lease and spend it.
        for (host, hostLeases) in zip(hosts, leases) {
            for held in host.limiter.takeBackHeld(idleFor: 0) {
                try hostLeases.giveBack(
                    organizationID: held.key.uuid, window: held.window, count: held.count, database: host.database)
            }
        }
        while first.send(.get, "/api/v1/assistants/").status == 200 { admitted += 1 }
        #expect(admitted == 120)
        #expect(try leasedNotReturned(first) == 120)
        let refused = first.send(.get, "/api/v1/assistants/")
        #expect(refused.status == 429)
        #expect(Int(refused.header("Retry-After") ?? "") ?? 0 > 0)
    }

    /// An operator lowers the limit mid-window: the next lease makes it the window's quota, and
    /// what was admitted under the old limit counts against it.
    @Test func aChangedLimitBecomesTheWindowsQuota() throws {
        try waitUnlessWellInsideTheHour()
        let host = try TestApp(leases: QuotaLeases(host: "host-a", maxSlice: 500))
        let organizations = OrganizationStore(database: host.database)
        _ = try organizations.setRateLimit(host.organizationID, perHour: 400)
        for _ in 0..<30 { #expect(host.send(.get, "/api/v1/assistants/").status == 200) }
        _ = try organizations.setRateLimit(host.organizationID, perHour: 100)
        var admitted = 30
        while host.send(.get, "/api/v1/assistants/").status == 200 { admitted += 1 }
        #expect(admitted == 100)
        let window = try #require(try windowRow(host))
        #expect(window.quota == 100)
        #expect(window.granted == 100)
    }

    @Test func analyticsReadAFreshReplicaElseThePrimary() throws {
        let primary = try StoreTestDatabase.migratedConnection()
        let url = try #require(StoreTestDatabase.url)
        // The test server plays the replica too: its heartbeat is as fresh as the test makes it.
        func source(replica: String?) throws -> (String, Bool) {
            let reads = AnalyticsReads(
                replica: try replica.map { try DatabaseConfiguration(url: $0) }, maxLag: .seconds(5), logger: TestApp.logger)
            let (usedPrimary, source) = try reads.read(primary: primary) { database in database === primary }
            return (source, usedPrimary)
        }
        func beat(secondsAgo: Int) throws {
            try primary.execute(
                """
                INSERT INTO replication_heartbeat (id, beat_at, host) VALUES (1, UTC_TIMESTAMP(6) - INTERVAL \(secondsAgo) SECOND, 'tests')
                ON DUPLICATE KEY UPDATE beat_at = VALUES(beat_at), host = VALUES(host)
                """)
        }
        #expect(try source(replica: nil) == ("primary", true))
        try beat(secondsAgo: 1)
        let (fresh, usedPrimary) = try source(replica: url)
        #expect(fresh.hasPrefix("replica; lag=1."))
        #expect(!usedPrimary)
        try beat(secondsAgo: 60)
        #expect(try source(replica: url) == ("primary; replica=lagging", true))
        #expect(
            try source(replica: "mariadb://nobody@localhost/none?socket=/nonexistent/mariadb.sock") == (
                "primary; replica=unavailable", true
            ))

        let app = try TestApp(analyticsReads: AnalyticsReads(replica: nil, maxLag: .seconds(5), logger: TestApp.logger))
        let usage = app.send(.get, "/analytics/usage/")
        #expect(usage.status == 200)
        #expect(usage.header(AnalyticsReads.header) == "primary")
    }

    // MARK: Helpers

    private struct Window {
        var quota: Int
        var granted: Int
        var largestSlice: Int
    }

    private func windowRow(_ app: TestApp) throws -> Window? {
        try app.database.rows(
            """
            SELECT quota, granted, largest_slice FROM rate_limit_windows
            WHERE organization_id = \(app.organizationID) ORDER BY window_start DESC LIMIT 1
            """
        ).first.map {
            Window(
                quota: try $0.decode(Int.self, "quota"), granted: try $0.decode(Int.self, "granted"),
                largestSlice: try $0.decode(Int.self, "largest_slice"))
        }
    }

    private func leasedNotReturned(_ app: TestApp) throws -> Int {
        try app.database.fetchOne(
            Int.self,
            """
            SELECT CAST(SUM(granted) - SUM(returned) AS SIGNED) FROM rate_limit_leases
            WHERE organization_id = \(app.organizationID)
            """) ?? -1
    }

    /// A window is a clock hour by the database's clock: a test that straddled two would count twice.
    private func waitUnlessWellInsideTheHour() throws {
        let database = try StoreTestDatabase.migratedConnection()
        let left = try database.fetchOne(Int.self, "SELECT 3600 - (UNIX_TIMESTAMP() MOD 3600)") ?? 3_600
        if left < 20 { Thread.sleep(forTimeInterval: Double(left) + 1) }
    }
}
