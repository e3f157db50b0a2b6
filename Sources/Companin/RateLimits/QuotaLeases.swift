import Foundation
import MariaDB
import RateLimiter

/// The cluster tier of the rate limit (`COMPANIN_RATE_LIMIT_SCOPE=cluster`): hosts lease slices of
/// an organization's hourly quota from `rate_limit_windows` and give back what they did not spend.
///
/// Exactness. A window is a clock hour by the database's clock. A lease adds to `granted` only
/// what keeps it at or below the quota, under the window row's lock, and a host spends only what
/// it was granted, before the window's end as measured from the moment it asked. So across all
/// hosts at most `quota` requests are admitted in a window. The other way, a host holds at most one
/// slice (a lease tops up what it holds to the slice), so when demand exceeds the quota at least
/// `quota − hosts × largest_slice` are admitted; a host that dies keeps its unspent slice out of
/// use until the window ends.
///
/// The slice adapts: at most `maxSlice` and a twentieth of the quota, and at most half of what the
/// window has left divided among the hosts that leased from it in the last minute — so it shrinks
/// as the organization nears its limit or spreads over more hosts, down to single requests.
public struct QuotaLeases: Sendable {
    /// This host's name in `rate_limit_leases` (`COMPANIN_HOST_ID`).
    public let host: String
    /// The largest slice a host is given (`COMPANIN_RATE_LIMIT_MAX_SLICE`).
    public let maxSlice: Int
    /// How long a host whose lease found the window spent waits before asking again (requests
    /// other hosts give back become leasable).
    public static let exhaustedRetry: Int64 = 2_000_000_000
    /// Window rows kept for audit.
    static let retentionDays = 7

    public init(host: String, maxSlice: Int) {
        self.host = host
        self.maxSlice = maxSlice
    }

    /// The slice offered to a host: see the type's documentation.
    static func slice(quota: Int, ungranted: Int, hosts: Int, maxSlice: Int) -> Int {
        guard ungranted > 0 else { return 0 }
        let shareOfWhatIsLeft = ungranted / (2 * max(1, hosts))
        return max(1, min(maxSlice, quota / 20, shareOfWhatIsLeft))
    }

    /// Leases for `organizationID`'s current window, topping up the `held` requests to a slice.
    /// `limit` becomes the window's quota. `startedAt` is `RateLimiter.now()` taken before the call,
    /// from which the window's end is measured.
    public func lease(
        organizationID: UUID, limit: Int, held: Int, startedAt: Int64, database: Connection
    ) throws -> RateLimiter.Lease {
        try database.transaction {
            guard let now = try database.fetchOne(Date.self, "SELECT UTC_TIMESTAMP(6)") else {
                throw StoreError.invalid("the database returned no time")
            }
            let hour = Int64((now.timeIntervalSince1970 / 3_600).rounded(.down))
            let windowStart = Date(timeIntervalSince1970: Double(hour) * 3_600)
            var window = try lockedWindow(organizationID: organizationID, start: windowStart, now: now, database: database)
            if window == nil {
                // The organization's first lease of the hour. Two hosts may open it at once; the
                // row is the same either way.
                try database.execute(
                    """
                    INSERT IGNORE INTO rate_limit_windows (organization_id, window_start, quota, granted, largest_slice, opened_at)
                    VALUES (\(organizationID), \(windowStart), \(limit), 0, 0, \(now))
                    """)
                try prune(organizationID: organizationID, before: windowStart, database: database)
                window = try lockedWindow(organizationID: organizationID, start: windowStart, now: now, database: database)
            }
            guard let window else { throw StoreError.invalid("the quota window vanished") }
            // The limit in force now is the window's quota, also when an operator changed it.
            let ungranted = max(0, limit - window.granted)
            let slice = Self.slice(quota: limit, ungranted: ungranted, hosts: 1 + window.otherHosts, maxSlice: maxSlice)
            let granted = min(ungranted, max(0, slice - held))
            try database.execute(
                """
                UPDATE rate_limit_windows
                SET quota = \(limit), granted = granted + \(granted), largest_slice = GREATEST(largest_slice, \(slice))
                WHERE organization_id = \(organizationID) AND window_start = \(windowStart)
                """)
            try database.execute(
                """
                INSERT INTO rate_limit_leases (organization_id, window_start, host, granted, returned, round_trips, updated_at)
                VALUES (\(organizationID), \(windowStart), \(host), \(granted), 0, 1, \(now))
                ON DUPLICATE KEY UPDATE granted = granted + VALUES(granted), round_trips = round_trips + 1, updated_at = VALUES(updated_at)
                """)
            // The window ends an hour after its start by the database's clock; measured from before
            // the lease was asked for, the host stops spending no later than that.
            let left = windowStart.addingTimeInterval(3_600).timeIntervalSince(now)
            return RateLimiter.Lease(
                window: hour, granted: granted, deadline: startedAt + Int64(left * 1e9), slice: slice,
                ungranted: ungranted - granted)
        }
    }

    /// Gives `count` unspent requests of `window` back, so other hosts can lease them.
    public func giveBack(organizationID: UUID, window: Int64, count: Int, database: Connection) throws {
        guard count > 0 else { return }
        let windowStart = Date(timeIntervalSince1970: Double(window) * 3_600)
        try database.transaction {
            try database.execute(
                """
                UPDATE rate_limit_windows SET granted = granted - LEAST(granted, \(count))
                WHERE organization_id = \(organizationID) AND window_start = \(windowStart)
                """)
            try database.execute(
                """
                UPDATE rate_limit_leases SET returned = returned + \(count), round_trips = round_trips + 1,
                    updated_at = UTC_TIMESTAMP(6)
                WHERE organization_id = \(organizationID) AND window_start = \(windowStart) AND host = \(host)
                """)
        }
    }

    /// The window's row, locked until the transaction ends, with the number of other hosts that
    /// leased from it within the last minute.
    private func lockedWindow(
        organizationID: UUID, start: Date, now: Date, database: Connection
    ) throws -> (granted: Int, otherHosts: Int)? {
        guard
            let row = try database.rows(
                """
                SELECT w.granted,
                    (SELECT COUNT(*) FROM rate_limit_leases l
                     WHERE l.organization_id = w.organization_id AND l.window_start = w.window_start
                       AND l.host <> \(host) AND l.updated_at >= \(now) - INTERVAL 60 SECOND) AS other_hosts
                FROM rate_limit_windows w
                WHERE w.organization_id = \(organizationID) AND w.window_start = \(start) FOR UPDATE
                """
            ).first
        else { return nil }
        return (try row.decode(Int.self, "granted"), try row.decode(Int.self, "other_hosts"))
    }

    /// An organization's windows and leases older than the retention, when it opens a new window.
    private func prune(organizationID: UUID, before windowStart: Date, database: Connection) throws {
        let cutoff = windowStart.addingTimeInterval(-Double(Self.retentionDays) * 86_400)
        try database.execute(
            "DELETE FROM rate_limit_leases WHERE organization_id = \(organizationID) AND window_start < \(cutoff)")
        try database.execute(
            "DELETE FROM rate_limit_windows WHERE organization_id = \(organizationID) AND window_start < \(cutoff)")
    }
}
