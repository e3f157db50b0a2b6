import HTTP

/// Query parameters that several lists share, declared once.
enum ListQuery {
    /// `?created_after=&created_before=`: bounds on when a resource was created (ISO 8601).
    static let createdAfter = Field("created_after", .dateTime)
    static let createdBefore = Field("created_before", .dateTime)
    static let created = [createdAfter, createdBefore]
}
