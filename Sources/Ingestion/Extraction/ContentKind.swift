/// What an uploaded source is, decided from its bytes by `ContentSniffer`; it picks the extractor.
public enum ContentKind: String, Sendable, CaseIterable, Codable {
    case pdf, csv, text, json, image, html
}

/// The result of sniffing: the kind and the media type to store with the source.
public struct DetectedType: Sendable, Equatable {
    public var kind: ContentKind
    /// `application/pdf`, `text/csv`, `text/plain`, `application/json`, `text/html`, `image/png`, `image/jpeg` or `image/webp`.
    public var mediaType: String

    public init(kind: ContentKind, mediaType: String) {
        self.kind = kind
        self.mediaType = mediaType
    }

    static let pdf = DetectedType(kind: .pdf, mediaType: "application/pdf")
    static let csv = DetectedType(kind: .csv, mediaType: "text/csv")
    static let text = DetectedType(kind: .text, mediaType: "text/plain")
    static let json = DetectedType(kind: .json, mediaType: "application/json")
    static let html = DetectedType(kind: .html, mediaType: "text/html")
    static let png = DetectedType(kind: .image, mediaType: "image/png")
    static let jpeg = DetectedType(kind: .image, mediaType: "image/jpeg")
    static let webp = DetectedType(kind: .image, mediaType: "image/webp")
}
