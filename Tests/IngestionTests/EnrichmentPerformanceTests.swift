import Foundation
import Ingestion
import Testing

/// Timings, run only when COMPANIN_BENCH is set: `COMPANIN_BENCH=1 swift test --filter EnrichmentPerformance`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["COMPANIN_BENCH"] != nil))
struct EnrichmentPerformanceTests {
    static func chunks(count: Int) -> [String] {
        let words = [
            "cliente", "assinatura", "aplicativo", "pagamento", "customer", "subscription", "refund",
            "invoice", "factura", "envío", "informação", "suporte", "the", "de", "que", "and", "los",
        ]
        return (0..<count).map { seed in
            var text = ""
            var index = seed
            while text.count < 1000 {
                index = (index &* 1_103_515_245 &+ 12345) & 0x7fff_ffff
                text += words[index % words.count] + (index % 11 == 0 ? ". " : " ")
            }
            return text
        }
    }

    @Test func localEmbedOfAThousandChunks() {
        let texts = Self.chunks(count: 1000)
        let enricher = LocalEnricher()
        let clock = ContinuousClock()
        var embeddings: [Embedding] = []
        let elapsed = clock.measure { embeddings = enricher.embed(texts) }
        print("LocalEnricher.embed: 1000 chunks of ~1000 characters in \(elapsed)")
        #expect(embeddings.count == 1000)

        let chunkText = texts.joined(separator: "\n\n")
        let chunkElapsed = clock.measure { _ = Chunker().chunks(chunkText) }
        print("Chunker.chunks: \(chunkText.count) characters in \(chunkElapsed)")
        let keywordElapsed = clock.measure { _ = enricher.keywords(chunkText, limit: 10) }
        print("LocalEnricher.keywords: \(chunkText.count) characters in \(keywordElapsed)")
        let summaryElapsed = clock.measure { _ = enricher.summarize(chunkText, title: nil) }
        print("LocalEnricher.summarize: \(chunkText.count) characters in \(summaryElapsed)")
    }
}
