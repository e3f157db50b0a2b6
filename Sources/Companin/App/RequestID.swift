import Foundation
import HTTP

enum RequestID {
    /// nginx's `$request_id` when present, so the id in our log matches the web server's; else a fresh one.
    static func make(for request: Request) -> String {
        if let upstream = request.upstreamRequestID, upstream.count <= 64,
            upstream.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        {
            return upstream
        }
        return UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
