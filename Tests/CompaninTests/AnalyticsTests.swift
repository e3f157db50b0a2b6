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

    @Test func batchesUseAFewStatementSizes() {
        #expect(Connection.insertChunks(of: 0) == [])
        #expect(Connection.insertChunks(of: 50).map(\.count) == [32, 16, 2])
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
