import Foundation
import Logging
import MariaDB

/// Where a responder's analytics read from: the replica (`COMPANIN_REPLICA_DATABASE_URL`) while
/// it is at most `maxLag` behind the primary, else the primary.
///
/// The replica's lag is its copy of `replication_heartbeat`, which every pool master writes on the
/// primary once a second, against the replica's own clock: analytics served from the replica are
/// at most `maxLag` plus one second old. It is looked at once a second at most; a replica that does
/// not answer is not tried again for five seconds, and a replica lost in the middle of a request
/// leaves that request to the primary. Every analytics response says where it was read, in
/// `X-Analytics-Source`: `replica; lag=0.4`, `primary`, `primary; replica=lagging` or
/// `primary; replica=unavailable`.
public final class AnalyticsReads {
    public static let header = "X-Analytics-Source"

    enum Verdict: Equatable {
        case replica(lag: Double)
        case lagging
        case unavailable
    }

    let replica: Connection?
    let maxLag: Duration
    let logger: Logger
    private var verdict = Verdict.replica(lag: 0)
    private var nextCheck: ContinuousClock.Instant?

    /// `replica` nil: every read goes to the primary.
    public init(replica: DatabaseConfiguration?, maxLag: Duration, logger: Logger) {
        self.replica = replica.map { Connection(configuration: $0, logger: logger) }
        self.maxLag = maxLag
        self.logger = logger
    }

    /// Runs `body` on the replica when it is fresh enough, else (or when the replica fails under
    /// it) on `primary`; returns its result and the `X-Analytics-Source` value.
    func read<T>(primary: Connection, _ body: (Connection) throws -> T) throws -> (T, source: String) {
        guard let replica else { return (try body(primary), "primary") }
        switch currentVerdict(replica) {
        case .replica(let lag):
            do {
                return (try body(replica), "replica; lag=" + String(format: "%.1f", lag))
            } catch let error as DatabaseError where error.isConnectionLost || error.kind == .connection {
                markUnavailable(error)
                return (try body(primary), "primary; replica=unavailable")
            }
        case .lagging:
            return (try body(primary), "primary; replica=lagging")
        case .unavailable:
            return (try body(primary), "primary; replica=unavailable")
        }
    }

    private func currentVerdict(_ replica: Connection) -> Verdict {
        let now = ContinuousClock.now
        if let nextCheck, now < nextCheck { return verdict }
        do {
            let lag =
                try replica.fetchOne(
                    Double?.self,
                    "SELECT TIMESTAMPDIFF(MICROSECOND, beat_at, UTC_TIMESTAMP(6)) / 1e6 FROM replication_heartbeat WHERE id = 1") ?? nil
            let maxSeconds = Double(maxLag.components.seconds)
            if let lag, lag <= maxSeconds {
                verdict = .replica(lag: max(0, lag))
            } else {
                if verdict != .lagging {
                    logger.warning(
                        "the replica lags; analytics read the primary",
                        metadata: ["lag_seconds": "\(lag.map { String(format: "%.1f", $0) } ?? "no heartbeat")"])
                }
                verdict = .lagging
            }
            nextCheck = now + .seconds(1)
        } catch {
            markUnavailable(error)
        }
        return verdict
    }

    private func markUnavailable(_ error: any Error) {
        if verdict != .unavailable {
            logger.warning("the replica does not answer; analytics read the primary", metadata: ["error": "\(error)"])
        }
        verdict = .unavailable
        replica?.close()
        nextCheck = ContinuousClock.now + .seconds(5)
    }
}
