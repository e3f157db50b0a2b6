import Foundation
import Testing
@testable import Ingestion

@Suite(.enabled(if: ProcessInfo.processInfo.environment["COMPANIN_BENCH"] != nil))
struct EnrichmentScratchTests {
    @Test func profile() {
        let texts = EnrichmentPerformanceTests.chunks(count: 1000)
        let clock = ContinuousClock()
        var n = 0
        print("fold", clock.measure { for t in texts { n += EnrichmentText.fold(t).utf8.count } })
        print("lower", clock.measure { for t in texts { n += t.lowercased().utf8.count } })
        print("scalars", clock.measure { for t in texts { for s in t.unicodeScalars where EnrichmentText.isWordScalar(s) { n += 1 } } })
        var arrays = (0 ..< 1000).map { _ in (0 ..< 1400).map { _ in UInt64.random(in: 0 ... .max) } }
        print("sort", clock.measure { for i in arrays.indices { arrays[i].sort() } })
        print("mix", clock.measure { var x: UInt64 = 0; for i in 0 ..< 1_400_000 { x &+= FNV1a.mix(UInt64(i)) }; n += Int(x & 1) })
        let e = HashingEmbedder(dimension: 384)
        print("embed", clock.measure { for t in texts { n += e.embed(t).count } })
    }
}
