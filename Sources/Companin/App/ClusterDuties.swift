import Foundation
import Logging
import MariaDB
import POSIXSystem
import RateLimiter
import Synchronization

/// What a pool master does for the other hosts, on a thread of its own so that supervising the
/// responders never waits on the database:
/// - once a second, with a replica configured, it writes the replication heartbeat the replica's
///   readers measure their lag by (`AnalyticsReads`);
/// - every five seconds, with scope `cluster`, it gives back the leased requests of organizations
///   this host has not served for ten seconds, so hosts that do get their traffic can lease them;
/// - on `stop()`, after the responders have exited, it gives back everything the host still holds.
public final class ClusterDuties: Sendable {
    public struct Plan: Sendable {
        public var database: DatabaseConfiguration
        public var leases: QuotaLeases?
        public var heartbeat: Bool
        public var host: String

        public init(database: DatabaseConfiguration, leases: QuotaLeases?, heartbeat: Bool, host: String) {
            self.database = database
            self.leases = leases
            self.heartbeat = heartbeat
            self.host = host
        }

        /// Whether there is anything to do.
        public var isEmpty: Bool { leases == nil && !heartbeat }
    }

    static let heartbeatInterval: Int64 = 1_000_000_000
    static let giveBackInterval: Int64 = 5_000_000_000
    static let idleBeforeGivingBack: Int64 = 10_000_000_000

    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    private init() {}

    /// Starts the thread over the limiter table in the shared memory `descriptor` (`size` bytes),
    /// which it maps for itself. Signals the master waits for must already be blocked: the thread
    /// inherits the mask.
    public static func start(_ plan: Plan, limiterDescriptor descriptor: Int32, size: Int, logger: Logger) throws -> ClusterDuties {
        let duties = ClusterDuties()
        // The thread maps the table for itself (a limiter is not shared between threads); a
        // table it could not attach to fails the start here.
        let memory = try SharedMemory(duplicating: descriptor, size: size)
        _ = try RateLimiter.attach(to: memory.base, size: memory.size, owner: memory)
        let thread = Thread {
            defer { duties.finished.store(true, ordering: .releasing) }
            do {
                let memory = try SharedMemory(duplicating: descriptor, size: size)
                let limiter = try RateLimiter.attach(to: memory.base, size: memory.size, owner: memory)
                duties.run(plan, limiter: limiter, logger: logger)
            } catch {
                logger.error("cluster duties could not start", metadata: ["error": "\(error)"])
            }
        }
        thread.name = "cluster-duties"
        thread.start()
        return duties
    }

    /// Gives back what the host holds and ends the thread (waiting at most ten seconds).
    public func stop() {
        stopping.store(true, ordering: .releasing)
        let deadline = RateLimiter.now() + 10_000_000_000
        while !finished.load(ordering: .acquiring), RateLimiter.now() < deadline {
            usleep(20_000)
        }
    }

    private func run(_ plan: Plan, limiter: RateLimiter, logger: Logger) {
        let database = Connection(configuration: plan.database, logger: logger)
        defer { database.close() }
        var nextBeat: Int64 = 0
        var nextGiveBack = RateLimiter.now() + Self.giveBackInterval
        while !stopping.load(ordering: .acquiring) {
            let now = RateLimiter.now()
            if plan.heartbeat, now >= nextBeat {
                nextBeat = now + Self.heartbeatInterval
                do {
                    try database.execute(
                        """
                        INSERT INTO replication_heartbeat (id, beat_at, host) VALUES (1, UTC_TIMESTAMP(6), \(plan.host))
                        ON DUPLICATE KEY UPDATE beat_at = VALUES(beat_at), host = VALUES(host)
                        """)
                } catch {
                    logger.warning("writing the replication heartbeat failed", metadata: ["error": "\(error)"])
                }
            }
            if let leases = plan.leases, now >= nextGiveBack {
                nextGiveBack = now + Self.giveBackInterval
                giveBack(limiter.takeBackHeld(idleFor: Self.idleBeforeGivingBack), leases: leases, database: database, logger: logger)
            }
            usleep(100_000)
        }
        if let leases = plan.leases {
            giveBack(limiter.takeBackHeld(idleFor: 0), leases: leases, database: database, logger: logger)
        }
    }

    private func giveBack(_ held: [RateLimiter.HeldRequests], leases: QuotaLeases, database: Connection, logger: Logger) {
        for item in held {
            do {
                try leases.giveBack(organizationID: item.key.uuid, window: item.window, count: item.count, database: database)
            } catch {
                // They left the table already: lost to the cluster until the window ends, never spent twice.
                logger.warning(
                    "giving back leased requests failed", metadata: ["organization_id": "\(item.key)", "error": "\(error)"])
            }
        }
        if !held.isEmpty {
            logger.debug("gave back leased requests", metadata: ["organizations": "\(held.count)"])
        }
    }
}
