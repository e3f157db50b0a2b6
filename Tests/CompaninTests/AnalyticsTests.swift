import Foundation
import MariaDB
import ResponderPool
import Testing

@testable import Companin

@Suite struct AnalyticsTests {
    @Test func durationsFallInTheirHistogramBucket() {
        #expect(RequestLog.bucket(ofMicroseconds: 0) == 0)
        #expect(RequestLog.bucket(ofMicroseconds: 500) == 0)
        #expect(RequestLog.bucket(ofMicroseconds: 501) == 1)
        #expect(RequestLog.bucket(ofMicroseconds: 10_000_000) == RequestLog.latencyBounds.count - 1)
        #expect(RequestLog.bucket(ofMicroseconds: 10_000_001) == RequestLog.latencyBounds.count)
        #expect(RequestLog.latencyColumns.count == RequestLog.latencyBounds.count + 1)
    }

    @Test func quantilesInterpolateWithinTheirBucket() {
        var totals = AnalyticsStore.Totals()
        #expect(totals.quantileMilliseconds(0.5) == nil)
        totals.latency[1] = 10  // 10 requests between 0.5 and 1 ms
        #expect(totals.quantileMilliseconds(0.5) == 0.75)
        #expect(totals.quantileMilliseconds(1) == 1)
        totals.latency[3] = 10  // and 10 between 2.5 and 5 ms
        #expect(totals.quantileMilliseconds(0.5) == 1)
        #expect(totals.quantileMilliseconds(0.95) == 4.75)  // rank 19 of 20: 9 tenths into 2.5…5 ms
        let p50 = totals.quantileMilliseconds(0.5)!
        let p95 = totals.quantileMilliseconds(0.95)!
        #expect(p50 <= p95)
        var slow = AnalyticsStore.Totals()
        slow.latency[RequestLog.latencyBounds.count] = 1
        #expect(slow.quantileMilliseconds(0.5) == 15_000)  // past the last bound: 10 s … 20 s
    }

    @Test func totalsAdd() {
        var a = AnalyticsStore.Totals(
            requests: 2, errors4xx: 1, errors5xx: 0, throttled: 1, durationMicroseconds: 10,
            requestBytes: 3, responseBytes: 4, latency: [1, 1] + Array(repeating: 0, count: 13))
        a.add(a)
        #expect(a.requests == 4 && a.errors4xx == 2 && a.throttled == 2 && a.latency[0] == 2 && a.responseBytes == 8)
    }

    /// Whatever the range, the pieces count every instant inside it once and none outside, and read
    /// at most two and a half minutes of raw rows at each end.
    @Test func everyRangeIsCoveredOnceWithFewRawRows() {
        var generator = SystemRandomNumberGenerator()
        let base = 1_789_948_800.0  // a day boundary (UTC), 2026-09-21
        for _ in 0..<2_000 {
            let from = base + Double(Int.random(in: 0..<(5 * 86_400), using: &generator)) + [0, 0.25, 0.5][Int.random(in: 0..<3)]
            let to = from + Double(Int.random(in: 1..<(3 * 86_400), using: &generator)) * [1.0, 0.01, 0.0001][Int.random(in: 0..<3)]
            for rollups in [RequestLog.rollups.reversed()[...], [RequestLog.hourly, RequestLog.fiveMinutes][...]] {
                let pieces = AnalyticsStore.plan(
                    from: Date(timeIntervalSince1970: from), to: Date(timeIntervalSince1970: to), rollups: rollups)
                var edges: Set<Double> = [from, to]
                var raw = 0.0
                for piece in pieces {
                    switch piece {
                    case .rollup(let rollup, let lower, let upper):
                        edges.formUnion([lower.timeIntervalSince1970, upper.timeIntervalSince1970])
                        #expect(lower.timeIntervalSince1970.truncatingRemainder(dividingBy: Double(rollup.seconds)) == 0)
                        #expect(upper.timeIntervalSince1970.truncatingRemainder(dividingBy: Double(rollup.seconds)) == 0)
                    case .raw(let lower, let upper, _):
                        edges.formUnion([lower.timeIntervalSince1970, upper.timeIntervalSince1970])
                        raw += upper.timeIntervalSince(lower)
                    }
                }
                #expect(raw <= 300, "\(from) \(to): \(raw) s of raw rows")
                let sorted = edges.sorted()
                for (lower, upper) in zip(sorted, sorted.dropFirst()) {
                    let instant = (lower + upper) / 2
                    var times = 0
                    for piece in pieces {
                        switch piece {
                        case .rollup(_, let a, let b):
                            if a.timeIntervalSince1970 <= instant, instant < b.timeIntervalSince1970 { times += 1 }
                        case .raw(let a, let b, let subtracting):
                            if a.timeIntervalSince1970 <= instant, instant < b.timeIntervalSince1970 { times += subtracting ? -1 : 1 }
                        }
                    }
                    #expect(times == (from <= instant && instant < to ? 1 : 0), "\(from) \(to) at \(instant)")
                }
            }
        }
    }

    @Test func batchesUseAFewStatementSizes() {
        #expect(Connection.insertChunks(of: 0) == [])
        #expect(Connection.insertChunks(of: 50).map(\.count) == [32, 16, 2])
        #expect(Connection.insertChunks(of: 500).map(\.count) == [256, 128, 64, 32, 16, 4])
        #expect(Connection.insertChunks(of: 7) == [0..<4, 4..<6, 6..<7])
    }

    @Test func prometheusTextHasCumulativeBuckets() {
        var buckets = Array(repeating: Int64(0), count: Scoreboard.durationBounds.count + 1)
        buckets[0] = 3
        buckets[2] = 2
        buckets[buckets.count - 1] = 1
        let status = PoolStatus(
            responders: .init(total: 4, busy: 1, idle: 3, starting: 0), workers: .init(total: 2, busy: 0, idle: 2, starting: 0),
            inFlight: [], counters: .init(accepted: 6, slow: 1, respawns: 2, durationNanoseconds: 1_500_000_000, durationBuckets: buckets),
            listenQueue: (length: 3, limit: 128))
        let text = PrometheusText.render(status)
        #expect(text.contains("companin_request_duration_seconds_bucket{le=\"0.0005\"} 3\n"))
        #expect(text.contains("companin_request_duration_seconds_bucket{le=\"0.0025\"} 5\n"))
        #expect(text.contains("companin_request_duration_seconds_bucket{le=\"+Inf\"} 6\n"))
        #expect(
            text.contains("companin_request_duration_seconds_count 6\n") && text.contains("companin_request_duration_seconds_sum 1.5\n"))
        #expect(text.contains("companin_respawns_total 2\n") && text.contains("companin_listen_queue 3\n"))
        #expect(text.contains("companin_pool_children{role=\"responder\",stage=\"idle\"} 3\n"))
        #expect(text.hasSuffix("\n") && !text.contains("\n\n"))
    }
}
