import HTTP

/// The transport accepts bodies as large as the largest upload; everything that is not an upload
/// (`multipart/form-data`) is held to the much smaller JSON limit, before anyone parses it.
struct BodyLimitMiddleware: Middleware {
    let maxJSONBodyBytes: Int

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) throws -> Response) throws -> Response {
        if request.body.count > maxJSONBodyBytes, request.mediaType != "multipart/form-data" {
            throw HTTPError(.payloadTooLarge, detail: "Request body exceeds \(maxJSONBodyBytes) bytes")
        }
        return try next(request, context)
    }
}
