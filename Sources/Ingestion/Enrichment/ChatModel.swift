/// A language model that continues a conversation: given system, user and assistant messages, it
/// writes the next assistant message. Synchronous, like the enrichers: a responder waits for it.
public protocol ChatModel: Sendable {
    /// The model's name, recorded with what it wrote.
    var name: String { get }
    func complete(_ messages: [ChatMessage]) throws -> String
}

public struct ChatMessage: Sendable, Equatable, Encodable {
    public enum Role: String, Sendable, Encodable { case system, user, assistant }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// A chat model behind an OpenAI-compatible `/v1/chat/completions`, through the enricher's client.
public struct OpenAICompatibleChatModel: ChatModel {
    let server: OpenAICompatibleEnricher
    public let name: String

    public init(baseURL: String, apiKey: String?, model: String, timeout: Duration) {
        server = OpenAICompatibleEnricher(
            configuration: .init(
                baseURL: baseURL, apiKey: apiKey, embeddingModel: model,
                chatModel: model, timeout: timeout))
        name = model
    }

    public func complete(_ messages: [ChatMessage]) throws -> String {
        try server.complete(messages, model: name)
    }
}
