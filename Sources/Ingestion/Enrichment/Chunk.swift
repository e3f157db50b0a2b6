/// A piece of a knowledge record's text, sized for embedding and retrieval.
public struct Chunk: Sendable, Equatable {
    /// Position among the record's chunks, from 0.
    public var index: Int
    /// The chunk's text, exactly as it appears in the source (inner blank lines included).
    public var text: String
    /// Where `text` starts in the source, counted in `Character`s (grapheme clusters):
    /// `Array(source)[startOffset ..< startOffset + text.count]` is `text`.
    public var startOffset: Int

    public init(index: Int, text: String, startOffset: Int) {
        self.index = index
        self.text = text
        self.startOffset = startOffset
    }
}
