import Foundation
import Ingestion

extension CompaninConfiguration {
    /// The configured enricher, loaded (the E5 model is read from disk).
    ///
    /// - Throws: `ConfigurationError` naming the setting to change when the model is missing.
    public func makeEnricher() throws(ConfigurationError) -> any Enricher {
        do {
            return try EnricherFactory.make(enricher)
        } catch {
            let message = (error as? EnrichmentError)?.message ?? "\(error)"
            switch enricher {
            case .e5:
                throw ConfigurationError(
                    setting: Settings.e5Directory.variable,
                    message: """
                        \(message) (or point \(Settings.e5Directory.variable) at it), \
                        or set \(Settings.enricher.variable)=local for the hashed vectors
                        """)
            case .local, .openAI:
                throw ConfigurationError(setting: Settings.enricher.variable, message: message)
            }
        }
    }

    /// The model that writes conversation replies, or `nil` to answer from retrieval alone.
    public func makeReplyModel() -> (any ChatModel)? {
        replies.model.map { OpenAICompatibleChatModel(baseURL: $0.baseURL, apiKey: $0.apiKey, model: $0.name, timeout: $0.timeout) }
    }

    /// What the knowledge routes and workers need, with `enricher` loaded by `makeEnricher()`.
    public func knowledgeConfiguration(enricher: any Enricher, extractorExecutable: String) -> KnowledgeConfiguration {
        KnowledgeConfiguration(
            blobDirectory: knowledge.blobDirectory, maxUploadBytes: knowledge.maxUploadBytes, enricher: enricher,
            extractorExecutable: extractorExecutable, fetchPolicy: fetch, vectorCacheBytes: knowledge.vectorCacheBytes,
            replyThresholds: replies.thresholds)
    }
}
