import Foundation
import HTTP
import Ingestion
import Logging
import MariaDB
import RateLimiter

@testable import Companin

/// A method line and a path against the API's real route table: a match must be one the path
/// spells, and a `405` must name other methods only.
enum RouterTarget {
    /// The route table a responder builds; building it touches no database.
    nonisolated(unsafe) static let router: Router<AppContext> = {
        let database = Connection(
            configuration: try! DatabaseConfiguration(url: "mariadb://nobody@127.0.0.1:1/none"),
            logger: Logger(label: "fuzz"))
        return CompaninApp(
            database: database,
            rateLimiting: .init(limiter: try! RateLimiter.makePrivate(capacity: 64), defaultPerHour: 100),
            knowledge: KnowledgeConfiguration(
                blobDirectory: URL(fileURLWithPath: "/nonexistent"), maxUploadBytes: 1 << 20,
                enricher: LocalEnricher(), extractorExecutable: "/bin/false", fetchPolicy: FetchPolicy()),
            sessions: .standard, replyModel: nil, maxJSONBodyBytes: 1 << 20, logger: Logger(label: "fuzz")
        ).application.router
    }()

    static func run(_ bytes: [UInt8]) {
        let (methodLine, rest) = splitFirstLine(bytes, maximum: 16)
        let method = HTTPMethod(methodLine.isEmpty ? "GET" : methodLine)
        let path = String(decoding: rest, as: UTF8.self)
        switch router.match(method, path: path) {
        case .found(let route, let parameters):
            if route.method != method && !(method == .head && route.method == .get) {
                fail("\(method) ran \(route.method) \(route.template)")
            }
            guard let spelled = captures(of: route.template, in: path) else { fail("\(path) matched \(route.template)") }
            for (name, value) in spelled where parameters[name] != value { fail(":\(name) of \(path)") }
        case .methodNotAllowed(let allowed):
            if allowed.isEmpty || allowed.contains(method) || (method == .head && allowed.contains(.get)) {
                fail("405 for \(method) \(path) allowing \(allowed)")
            }
        case .notFound:
            if let route = router.routes.first(where: { captures(of: $0.template, in: path) != nil }) {
                fail("404 for \(method) \(path), which \(route.template) spells")
            }
        }
    }

    /// The parameters `template` captures from `path`, or nil when the path does not spell it —
    /// the documented rule, restated: one leading and one trailing slash optional, the same
    /// segments, literals equal, parameters non-empty.
    static func captures(of template: String, in path: String) -> [String: String]? {
        func segments(_ text: String) -> [Substring] {
            var text = Substring(text)
            if text.first == "/" { text = text.dropFirst() }
            if text.last == "/" { text = text.dropLast() }
            return text.split(separator: "/", omittingEmptySubsequences: false)
        }
        let parts = segments(template)
        let values = segments(path)
        guard parts.count == values.count else { return nil }
        var captured: [String: String] = [:]
        for (part, value) in zip(parts, values) {
            if part.hasPrefix(":") {
                guard !value.isEmpty else { return nil }
                captured[String(part.dropFirst())] = String(value)
            } else if part != value {
                return nil
            }
        }
        return captured
    }
}
