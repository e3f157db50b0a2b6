import Foundation

/// Builds the enricher an operator configured through the environment.
///
/// - `COMPANIN_ENRICHER`: `local` (the default, also when unset or empty) or `openai`.
/// - With `openai`: `COMPANIN_OPENAI_BASE_URL` (required, http or https),
///   `COMPANIN_OPENAI_EMBEDDING_MODEL` (required), `COMPANIN_OPENAI_API_KEY` and
///   `COMPANIN_OPENAI_CHAT_MODEL` (optional; without a chat model, summaries are local).
public enum EnricherFactory {
    /// - Throws: `EnrichmentError` with code `.configuration` for an unknown enricher or a
    ///   missing or invalid setting.
    public static func make(environment: [String: String]) throws -> any Enricher {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
                return nil
            }
            return raw
        }
        switch value("COMPANIN_ENRICHER")?.lowercased() ?? "local" {
        case "local":
            return LocalEnricher()
        case "openai":
            guard let baseURL = value("COMPANIN_OPENAI_BASE_URL") else {
                throw EnrichmentError(code: .configuration, message: "COMPANIN_ENRICHER=openai needs COMPANIN_OPENAI_BASE_URL")
            }
            let lower = baseURL.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw EnrichmentError(code: .configuration,
                                      message: "COMPANIN_OPENAI_BASE_URL must start with http:// or https://")
            }
            guard let embeddingModel = value("COMPANIN_OPENAI_EMBEDDING_MODEL") else {
                throw EnrichmentError(code: .configuration,
                                      message: "COMPANIN_ENRICHER=openai needs COMPANIN_OPENAI_EMBEDDING_MODEL")
            }
            return OpenAICompatibleEnricher(configuration: .init(
                baseURL: baseURL, apiKey: value("COMPANIN_OPENAI_API_KEY"),
                embeddingModel: embeddingModel, chatModel: value("COMPANIN_OPENAI_CHAT_MODEL")))
        case let other:
            throw EnrichmentError(code: .configuration,
                                  message: "COMPANIN_ENRICHER must be local or openai, not \(String(other.prefix(40)).debugDescription)")
        }
    }
}
