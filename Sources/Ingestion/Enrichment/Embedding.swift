/// A vector that places a text in a model's semantic space, labelled with that model.
///
/// Vectors of different models (or dimensions) are not comparable; storage keeps `model` and
/// `dimension` next to every vector so search only compares like with like.
public struct Embedding: Sendable, Equatable {
    /// The model that produced the vector, e.g. "companin-hash-384-v1".
    public var model: String
    public var vector: [Float]

    public var dimension: Int { vector.count }

    public init(model: String, vector: [Float]) {
        self.model = model
        self.vector = vector
    }

    /// Decodes a vector stored by `encoded()`; nil when the byte count is not a multiple of 4.
    public init?(model: String, bytes: [UInt8]) {
        guard bytes.count % 4 == 0 else { return nil }
        var vector: [Float] = []
        vector.reserveCapacity(bytes.count / 4)
        var index = 0
        while index < bytes.count {
            let bits =
                UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
            vector.append(Float(bitPattern: bits))
            index += 4
        }
        self.init(model: model, vector: vector)
    }

    /// The vector as little-endian IEEE 754 Float32 values, 4 bytes each, for a BLOB column.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        return bytes
    }

    /// The cosine of the angle between two vectors, in [-1, 1]; 0 when their dimensions differ,
    /// either is empty, or either has norm 0.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot: Double = 0
        var normA: Double = 0
        var normB: Double = 0
        for index in a.indices {
            let x = Double(a[index])
            let y = Double(b[index])
            dot += x * y
            normA += x * x
            normB += y * y
        }
        guard normA > 0, normB > 0, normA.isFinite, normB.isFinite else { return 0 }
        let cosine = dot / (normA.squareRoot() * normB.squareRoot())
        guard cosine.isFinite else { return 0 }
        return Float(min(1, max(-1, cosine)))
    }
}
