import Foundation

/// Builds the enricher an operator chose.
public enum EnricherFactory {
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
