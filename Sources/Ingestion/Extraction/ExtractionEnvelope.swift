import Foundation

/// What the `extract` subcommand prints and `ExtractionRunner` reads: exactly one JSON object,
/// `{"ok": Extraction}` or `{"error": ExtractionError}`.
public enum ExtractionEnvelope: Sendable, Equatable, Codable {
    case ok(Extraction)
    case error(ExtractionError)

    public init(_ result: Result<Extraction, ExtractionError>) {
        switch result {
        case .success(let extraction): self = .ok(extraction)
        case .failure(let error): self = .error(error)
        }
    }

    public var result: Result<Extraction, ExtractionError> {
        switch self {
        case .ok(let extraction): .success(extraction)
        case .error(let error): .failure(error)
        }
    }

    /// The envelope as one line of JSON, newline-terminated.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings and string dictionaries cannot fail; the fallback keeps the contract anyway.
        var data =
            (try? encoder.encode(self))
            ?? Data(#"{"error":{"code":"crashed","message":"The extraction result could not be encoded."}}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Decodes what a subprocess printed; nil when it is not one envelope.
    public static func decode(_ bytes: [UInt8]) -> ExtractionEnvelope? {
        try? JSONDecoder().decode(ExtractionEnvelope.self, from: Data(bytes))
    }

    private enum CodingKeys: String, CodingKey { case ok, error }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let extraction = try container.decodeIfPresent(Extraction.self, forKey: .ok) {
            self = .ok(extraction)
        } else if let error = try container.decodeIfPresent(ExtractionError.self, forKey: .error) {
            self = .error(error)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "neither ok nor error"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .ok(let extraction): try container.encode(extraction, forKey: .ok)
        case .error(let error): try container.encode(error, forKey: .error)
        }
    }
}
