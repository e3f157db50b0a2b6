import Testing

@testable import Ingestion

@Suite struct EnrichmentChunkerTests {
    /// A sentence of about `length` characters, ending with a period.
    static func sentence(_ number: Int, length: Int = 60) -> String {
        var text = "Sentence \(number) talks about"
        var word = 0
        let words = ["retrieval", "knowledge", "assistant", "customer", "billing", "support", "orders"]
        while text.count < length - 1 {
            text += " " + words[(number + word) % words.count]
            word += 1
        }
        return text + "."
    }

    static func paragraph(_ first: Int, sentences: Int, length: Int = 60) -> String {
        (first..<first + sentences).map { sentence($0, length: length) }.joined(separator: " ")
    }

    /// Every chunk is the source slice at its offset, and indices count from 0.
    static func expectSlices(_ chunks: [Chunk], of source: String) {
        let characters = Array(source)
        for (position, chunk) in chunks.enumerated() {
            #expect(chunk.index == position)
            let end = chunk.startOffset + chunk.text.count
            #expect(chunk.startOffset >= 0 && end <= characters.count)
            if end <= characters.count {
                #expect(String(characters[chunk.startOffset..<end]) == chunk.text)
            }
        }
    }

    @Test func emptyAndWhitespaceTextGiveNoChunks() {
        #expect(Chunker().chunks("").isEmpty)
        #expect(Chunker().chunks("  \n\n\t \r\n ").isEmpty)
    }

    @Test func shortTextIsOneChunk() {
        let chunks = Chunker().chunks("  Hello there. General Kenobi!\n")
        #expect(chunks == [Chunk(index: 0, text: "Hello there. General Kenobi!", startOffset: 2)])
    }

    @Test func paragraphsThatFitAreNeverSplit() {
        // Five paragraphs of about 500 characters: two fit in a 1200-character chunk, never
        // two and a half.
        let paragraphs = (0..<5).map { Self.paragraph($0 * 10, sentences: 8) }
        let text = paragraphs.joined(separator: "\n\n")
        let chunks = Chunker().chunks(text)
        Self.expectSlices(chunks, of: text)
        #expect(chunks.count >= 3)
        for paragraph in paragraphs {
            #expect(chunks.contains { $0.text.contains(paragraph) }, "paragraph split: \(paragraph.prefix(30))")
        }
        for chunk in chunks {
            #expect(chunk.text.count <= 1200)
            // Outside the overlap, a chunk holds whole paragraphs: it ends where one ends.
            #expect(paragraphs.contains { chunk.text.hasSuffix($0) })
        }
    }

    @Test func longParagraphSplitsAtSentenceEnds() {
        let text = Self.paragraph(0, sentences: 40)
        let chunker = Chunker(targetCharacters: 300, overlapCharacters: 80)
        let chunks = chunker.chunks(text)
        Self.expectSlices(chunks, of: text)
        #expect(chunks.count > 8)
        for chunk in chunks {
            #expect(chunk.text.hasPrefix("Sentence "))
            #expect(chunk.text.hasSuffix("."))
            #expect(chunk.text.count <= 300)
        }
    }

    @Test func consecutiveChunksOverlapByWholeSentencesWithinTheLimit() {
        let text = Self.paragraph(0, sentences: 40)
        let chunker = Chunker(targetCharacters: 300, overlapCharacters: 130)
        let chunks = chunker.chunks(text)
        #expect(chunks.count > 2)
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            let previousEnd = previous.startOffset + previous.text.count
            let overlap = previousEnd - next.startOffset
            #expect(overlap > 0, "chunks \(previous.index) and \(next.index) do not overlap")
            #expect(overlap <= 130)
            #expect(next.startOffset > previous.startOffset)
            #expect(next.startOffset + next.text.count > previousEnd)
            // The overlap is whole sentences: the next chunk starts where a sentence does.
            #expect(next.text.hasPrefix("Sentence "))
        }
    }

    @Test func zeroOverlapTilesTheText() {
        let text = Self.paragraph(0, sentences: 30)
        let chunks = Chunker(targetCharacters: 250, overlapCharacters: 0).chunks(text)
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            #expect(previous.startOffset + previous.text.count < next.startOffset)
        }
    }

    /// The guarantee: no chunk is longer than the target, whatever the text.
    @Test(arguments: [50, 120, 300, 1200])
    func noChunkExceedsTheTarget(target: Int) {
        let giantSentence = (0..<400).map { "palavra\($0)" }.joined(separator: " ")
        let giantWord = String(repeating: "x", count: 3 * target + 7)
        let lines = (0..<80).map { "- item \($0) without punctuation" }.joined(separator: "\n")
        let text = [
            Self.paragraph(0, sentences: 12, length: 45),
            giantSentence,
            "See \(giantWord) here.",
            lines,
            Self.paragraph(100, sentences: 5, length: 200),
            "Olá! Isto é só um teste… Será? Sim.",
        ].joined(separator: "\n\n")
        let chunks = Chunker(targetCharacters: target, overlapCharacters: target / 4).chunks(text)
        Self.expectSlices(chunks, of: text)
        for chunk in chunks {
            #expect(chunk.text.count <= target)
            #expect(!chunk.text.isEmpty)
        }
        // Nothing is lost: every non-whitespace character lies in some chunk.
        let characters = Array(text)
        var covered = [Bool](repeating: false, count: characters.count)
        for chunk in chunks {
            for offset in chunk.startOffset..<chunk.startOffset + chunk.text.count { covered[offset] = true }
        }
        for (offset, character) in characters.enumerated() where !character.isWhitespace {
            #expect(covered[offset], "character \(offset) not in any chunk")
        }
    }

    @Test func neverCutsInsideAWord() {
        // One 3000-character sentence: it must fall back to word boundaries.
        let text = (0..<300).map { "token\($0)" }.joined(separator: " ")
        let chunks = Chunker(targetCharacters: 200, overlapCharacters: 40).chunks(text)
        let characters = Array(text)
        #expect(chunks.count > 10)
        for chunk in chunks {
            let end = chunk.startOffset + chunk.text.count
            #expect(chunk.startOffset == 0 || characters[chunk.startOffset - 1] == " ")
            #expect(end == characters.count || characters[end] == " ")
            #expect(chunk.text.count <= 200)
        }
    }

    @Test func wordLongerThanTheTargetIsTheOnlyThingCut() {
        let blob = String(repeating: "A", count: 250)
        let chunks = Chunker(targetCharacters: 100, overlapCharacters: 0).chunks("short words \(blob) end")
        #expect(
            chunks.map(\.text) == [
                "short words", String(repeating: "A", count: 100),
                String(repeating: "A", count: 100), String(repeating: "A", count: 50) + " end",
            ])
    }

    @Test func offsetsCountCharactersNotBytes() {
        let text = "Ação rápida 👩‍👩‍👧 é útil.\r\n\r\nSegunda parte com acentuação. 日本語のテキスト。 Fim!"
        let chunks = Chunker(targetCharacters: 30, overlapCharacters: 0).chunks(text)
        Self.expectSlices(chunks, of: text)
        #expect(chunks.first?.text == "Ação rápida 👩‍👩‍👧 é útil.")
        #expect(chunks.count >= 3)
    }

    @Test func abbreviationsDoNotEndSentences() {
        let text = "O Dr. Silva chegou cedo hoje. A Sra. Souza, e.g. a gerente, saiu."
        let chunks = Chunker(targetCharacters: 60, overlapCharacters: 0).chunks(text)
        #expect(chunks.map(\.text) == ["O Dr. Silva chegou cedo hoje.", "A Sra. Souza, e.g. a gerente, saiu."])

        let characters = Array(
            "Mr. J. Smith met Sr. Pérez, i.e. the U.S. envoy, at 3.5 p.m. on Main St. today! Really?! \"Yes.\" Then:\n1. First item\n2. Second item"
        )
        let sentences = SentenceSegmenter.sentences(in: characters, range: characters.indices)
            .map { String(characters[$0]) }
        #expect(
            sentences == [
                "Mr. J. Smith met Sr. Pérez, i.e. the U.S. envoy, at 3.5 p.m. on Main St. today!",
                "Really?!",
                "\"Yes.\"",
                "Then:\n1. First item\n2. Second item",
            ])
    }

    @Test func sentenceEndsIncludeEllipsisAndSpanishMarks() {
        let characters = Array("Espera… ¿Qué pasó? ¡Nada! Bueno... sigue. Fin")
        let sentences = SentenceSegmenter.sentences(in: characters, range: characters.indices)
            .map { String(characters[$0]) }
        #expect(sentences == ["Espera…", "¿Qué pasó?", "¡Nada!", "Bueno...", "sigue.", "Fin"])
    }

    @Test func paragraphsEndAtBlankLines() {
        let characters = Array("first line\nsame paragraph\n   \nsecond\r\n\r\n\n  third  ")
        let paragraphs = SentenceSegmenter.paragraphs(in: characters).map { String(characters[$0]) }
        #expect(paragraphs == ["first line\nsame paragraph", "second", "third"])
    }
}
