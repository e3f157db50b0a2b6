import Foundation

/// An enricher backed by a model server that speaks the OpenAI HTTP API (OpenAI itself, vLLM,
/// llama.cpp's server, Ollama, LiteLLM, …).
///
/// - `embed` posts to `{baseURL}/v1/embeddings`, in batches of `embeddingBatchSize` texts, and
///   records every vector under the configured `embeddingModel`.
/// - `summarize` posts to `{baseURL}/v1/chat/completions` when `chatModel` is set, asking for a
///   2–3 sentence summary in the text's language (the first 12,000 characters of the text are
///   sent); without a chat model it uses the fallback's extractive summary.
/// - `keywords` are always the fallback's: a model adds cost and little precision there.
///
/// Requests are synchronous, through `HTTPClient`, with the API key (when set) as a bearer
/// token. Every failure throws an `EnrichmentError`; none carries the API key.
public struct OpenAICompatibleEnricher: Enricher {
    public struct Configuration: Sendable {
        /// The server's root, e.g. `http://127.0.0.1:8000`; a trailing `/v1` is accepted too.
        public var baseURL: String
        /// Sent as `Authorization: Bearer …` when set.
        public var apiKey: String?
        /// The model asked for embeddings, and the name recorded with each vector.
        public var embeddingModel: String
        /// The model asked for summaries, or nil to summarize locally.
        public var chatModel: String?
        /// For each request as a whole.
        public var timeout: Duration = .seconds(30)
        /// The most texts sent in one embeddings request.
        public var embeddingBatchSize: Int = 64
        /// Sends each text's role as `input_type` ("query" or "passage"), for servers of models
        /// with asymmetric prefixes (E5, and Companin's own embedding service); OpenAI refuses
        /// the field, so it is off unless asked for.
        public var sendsInputType: Bool = false

        public init(
            baseURL: String, apiKey: String? = nil, embeddingModel: String, chatModel: String? = nil,
            timeout: Duration = .seconds(30), embeddingBatchSize: Int = 64, sendsInputType: Bool = false
        ) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.embeddingModel = embeddingModel
            self.chatModel = chatModel
            self.timeout = timeout
            self.embeddingBatchSize = embeddingBatchSize
            self.sendsInputType = sendsInputType
        }
    }

    public let configuration: Configuration
    public let fallback: LocalEnricher
    private let client = HTTPClient()

    /// The largest response accepted: a batch of 64 vectors of 3072 dimensions is about 4 MB
    /// of JSON.
    static let maximumResponseBytes = 32 << 20
    /// The most characters of a text sent for a summary.
    static let maximumSummaryInputCharacters = 12_000
    static let summaryInstruction = """
        Summarize the user's text in 2 to 3 sentences, written in the same language as the text. \
        Reply with the summary only.
        """

    public var embeddingModel: String { configuration.embeddingModel }

    public init(configuration: Configuration, fallback: LocalEnricher = LocalEnricher()) {
        self.configuration = configuration
        self.fallback = fallback
    }

    public func summarize(_ text: String, title: String?) throws -> String {
        guard let chatModel = configuration.chatModel else {
            return fallback.summarize(text, title: title)
        }
        guard !text.allSatisfy(\.isWhitespace) else { return "" }
        var content = String(text.prefix(Self.maximumSummaryInputCharacters))
        if let title, !title.isEmpty {
            content = "Title: \(title)\n\n" + content
        }
        return try complete(
            [
                ChatMessage(role: .system, content: Self.summaryInstruction),
                ChatMessage(role: .user, content: content),
            ], model: chatModel)
    }

    /// The model's next message after `messages`, trimmed; a reply without text is an error.
    func complete(_ messages: [ChatMessage], model: String) throws -> String {
        let response: ChatResponse = try post("chat/completions", ChatRequest(model: model, messages: messages))
        guard let text = response.choices.first?.message.content?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        else {
            throw EnrichmentError(
                code: .malformedResponse, message: "chat completion without content from \(displayURL("chat/completions"))")
        }
        return text
    }

    public func keywords(_ text: String, limit: Int) throws -> [String] {
        fallback.keywords(text, limit: limit)
    }

    /// Embeds in batches; an empty or blank text is sent as a single space, which servers that
    /// refuse empty input accept.
    public func embed(_ texts: [String], role: EmbeddingRole) throws -> [Embedding] {
        var embeddings: [Embedding] = []
        embeddings.reserveCapacity(texts.count)
        let batchSize = max(1, configuration.embeddingBatchSize)
        var start = 0
        while start < texts.count {
            let batch = texts[start..<min(start + batchSize, texts.count)].map { $0.allSatisfy(\.isWhitespace) ? " " : $0 }
            embeddings += try embedBatch(batch, role: role)
            start += batchSize
        }
        return embeddings
    }

    private func embedBatch(_ texts: [String], role: EmbeddingRole) throws -> [Embedding] {
        let request = EmbeddingsRequest(
            model: configuration.embeddingModel, input: texts,
            inputType: configuration.sendsInputType ? role.rawValue : nil)
        let response: EmbeddingsResponse = try post("embeddings", request)
        let endpoint = displayURL("embeddings")
        guard response.data.count == texts.count else {
            throw EnrichmentError(
                code: .countMismatch,
                message: "\(endpoint) returned \(response.data.count) embeddings for \(texts.count) texts")
        }
        let items = response.data.sorted { $0.index < $1.index }
        guard items.map(\.index) == Array(0..<texts.count) else {
            throw EnrichmentError(code: .malformedResponse, message: "\(endpoint) returned embeddings with wrong indices")
        }
        let dimension = items[0].embedding.count
        guard dimension > 0, items.allSatisfy({ $0.embedding.count == dimension && $0.embedding.allSatisfy(\.isFinite) }) else {
            throw EnrichmentError(
                code: .malformedResponse,
                message: "\(endpoint) returned empty, uneven or non-finite embedding vectors")
        }
        return items.map { Embedding(model: configuration.embeddingModel, vector: $0.embedding) }
    }

    // MARK: - HTTP

    private func post<Request: Encodable, Response: Decodable>(_ path: String, _ request: Request) throws -> Response {
        let url = try endpoint(path)
        var headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
        if let apiKey = configuration.apiKey, !apiKey.isEmpty {
            headers.append(("Authorization", "Bearer \(apiKey)"))
        }
        let body: [UInt8]
        do {
            body = Array(try JSONEncoder().encode(request))
        } catch {
            throw EnrichmentError(code: .configuration, message: "could not encode the request to \(displayURL(path))")
        }

        let response: (status: Int, body: [UInt8])
        do {
            response = try client.post(
                url: url, headers: headers, body: body, timeout: configuration.timeout,
                maxResponseBytes: Self.maximumResponseBytes)
        } catch let error as HTTPClientError {
            throw EnrichmentError(code: Self.code(for: error.kind), message: "POST \(displayURL(path)): \(redacted(error.message))")
        }

        guard (200..<300).contains(response.status) else {
            throw EnrichmentError(
                code: .httpStatus, message: statusMessage(response.status, body: response.body, path: path),
                httpStatus: response.status)
        }
        do {
            return try JSONDecoder().decode(Response.self, from: Data(response.body))
        } catch {
            throw EnrichmentError(
                code: .malformedResponse,
                message: "\(displayURL(path)) answered with JSON of an unexpected shape")
        }
    }

    private func endpoint(_ path: String) throws -> String {
        var base = configuration.baseURL.trimmingCharacters(in: .whitespaces)
        let lower = base.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw EnrichmentError(code: .configuration, message: "the model server's base URL must start with http:// or https://")
        }
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        return base + "/v1/" + path
    }

    /// The endpoint for messages: without any user:password part.
    private func displayURL(_ path: String) -> String {
        guard let url = try? endpoint(path) else { return "/v1/" + path }
        guard var components = URLComponents(string: url), components.user != nil || components.password != nil else {
            return url
        }
        components.user = nil
        components.password = nil
        return components.string ?? "/v1/" + path
    }

    private func statusMessage(_ status: Int, body: [UInt8], path: String) -> String {
        let prefix = "\(displayURL(path)) answered HTTP \(status)"
        if status == 401 || status == 403 {
            return prefix + ": the model server refused the credentials"
        }
        guard let detail = Self.serverErrorMessage(body) else { return prefix }
        return prefix + ": " + redacted(String(detail.prefix(200)))
    }

    /// The error text of an OpenAI-style (`{"error": {"message": …}}` or `{"error": "…"}`) or
    /// FastAPI-style (`{"detail": "…"}`) error body.
    static func serverErrorMessage(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        if let error = object["error"] as? [String: Any], let message = error["message"] as? String { return message }
        if let message = object["error"] as? String { return message }
        if let detail = object["detail"] as? String { return detail }
        return nil
    }

    /// Removes the API key (and, by construction, the bearer header) from a message.
    private func redacted(_ message: String) -> String {
        guard let apiKey = configuration.apiKey, !apiKey.isEmpty else { return message }
        return message.replacingOccurrences(of: apiKey, with: "[redacted]")
    }

    static func code(for kind: HTTPClientError.Kind) -> EnrichmentError.Code {
        switch kind {
        case .invalidRequest, .unsupportedProtocol: return .configuration
        case .connection, .transfer: return .connection
        case .timeout: return .timeout
        case .responseTooLarge: return .malformedResponse
        }
    }
}

// MARK: - Wire format

private struct EmbeddingsRequest: Encodable {
    var model: String
    var input: [String]
    var inputType: String?

    enum CodingKeys: String, CodingKey {
        case model, input
        case inputType = "input_type"
    }
}

private struct EmbeddingsResponse: Decodable {
    struct Item: Decodable {
        var index: Int
        var embedding: [Float]
    }
    var data: [Item]
}

private struct ChatRequest: Encodable {
    var model: String
    var messages: [ChatMessage]
}

private struct ChatResponse: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable {
            var content: String?
        }
        var message: Message
    }
    var choices: [Choice]
}
