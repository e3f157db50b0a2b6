import Foundation
import HTTP
import ResponderPool

/// Answers the operators' status page and metrics on requests from the internal server block
/// (`/status`: JSON in the spirit of php-fpm's status page; `/metrics`: Prometheus text) before
/// anything else sees them — no API key, no request log row. Every other request passes on, so
/// these paths do not exist on the public server.
struct PoolStatusMiddleware: Middleware {
    let read: () -> PoolStatus?

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) throws -> Response) throws -> Response {
        guard request.internalServer else { return try next(request, context) }
        guard request.method == .get || request.method == .head else { throw HTTPError.methodNotAllowed(allowed: [.get]) }
        guard let status = read() else { throw HTTPError(.serviceUnavailable, detail: "No pool: this responder runs alone") }
        switch request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path {
        case "/status": return try Response.json(StatusDocument(status))
        case "/metrics":
            var response = Response(body: Data(PrometheusText.render(status).utf8))
            response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            return response
        default: throw HTTPError.notFound
        }
    }
}

private struct StatusDocument: Encodable {
    struct Children: Encodable {
        var total: Int
        var active: Int
        var idle: Int
        var starting: Int
    }

    struct InFlight: Encodable {
        var slot: Int
        var pid: Int32
        var role: String
        var request: String
        var durationMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case slot, pid, role, request
            case durationMilliseconds = "duration_ms"
        }
    }

    var responders: Children
    var ingestWorkers: Children
    var acceptedRequests: Int64
    var slowRequests: Int64
    var respawns: Int64
    var listenQueue: Int?
    var listenQueueLimit: Int?
    var requestsInFlight: [InFlight]

    enum CodingKeys: String, CodingKey {
        case responders
        case ingestWorkers = "ingest_workers"
        case acceptedRequests = "accepted_requests"
        case slowRequests = "slow_requests"
        case respawns
        case listenQueue = "listen_queue"
        case listenQueueLimit = "listen_queue_limit"
        case requestsInFlight = "requests_in_flight"
    }

    init(_ status: PoolStatus) {
        func children(_ value: PoolStatus.Children) -> Children {
            Children(total: value.total, active: value.busy, idle: value.idle, starting: value.starting)
        }
        responders = children(status.responders)
        ingestWorkers = children(status.workers)
        acceptedRequests = status.counters.accepted
        slowRequests = status.counters.slow
        respawns = status.counters.respawns
        listenQueue = status.listenQueue?.length
        listenQueueLimit = status.listenQueue?.limit
        requestsInFlight = status.inFlight.map {
            InFlight(
                slot: $0.slot, pid: $0.pid, role: $0.role.description, request: $0.request,
                durationMilliseconds: ($0.seconds * 1_000_000).rounded() / 1_000)
        }
    }
}

/// The Prometheus text exposition (format 0.0.4) of the pool's counters. Written here rather than
/// through swift-prometheus: the histogram is already aggregated in shared memory across
/// processes, and that library only takes observations one by one in its own process.
enum PrometheusText {
    static func render(_ status: PoolStatus) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        var children: [(String, String)] = []
        for (role, value) in [("responder", status.responders), ("ingest_worker", status.workers)] {
            for (stage, count) in [("busy", value.busy), ("idle", value.idle), ("starting", value.starting)] {
                children.append(("{role=\"\(role)\",stage=\"\(stage)\"}", "\(count)"))
            }
        }
        metric("companin_pool_children", "gauge", "Children of the pool by role and stage.", children)
        metric(
            "companin_requests_total", "counter", "Requests the responders finished since the pool started.",
            [("", "\(status.counters.accepted)")])
        metric(
            "companin_slow_requests_total", "counter", "Of those, requests slower than the slow-request threshold.",
            [("", "\(status.counters.slow)")])
        metric(
            "companin_respawns_total", "counter", "Children replaced after they exited or were killed.",
            [("", "\(status.counters.respawns)")])
        metric(
            "companin_requests_in_flight", "gauge", "Requests being answered now.",
            [("", "\(status.inFlight.filter { $0.role == .responder }.count)")])
        var cumulative: Int64 = 0
        var buckets: [(String, String)] = []
        for (index, bound) in Scoreboard.durationBounds.enumerated() {
            cumulative += status.counters.durationBuckets[index]
            buckets.append(("_bucket{le=\"\(bound)\"}", "\(cumulative)"))
        }
        cumulative += status.counters.durationBuckets.last ?? 0
        buckets.append(("_bucket{le=\"+Inf\"}", "\(cumulative)"))
        buckets.append(("_sum", "\(Double(status.counters.durationNanoseconds) / 1_000_000_000)"))
        buckets.append(("_count", "\(cumulative)"))
        lines.append("# HELP companin_request_duration_seconds Time responders took per request.")
        lines.append("# TYPE companin_request_duration_seconds histogram")
        for (suffix, value) in buckets { lines.append("companin_request_duration_seconds\(suffix) \(value)") }
        if let queue = status.listenQueue {
            metric("companin_listen_queue", "gauge", "Connections waiting to be accepted.", [("", "\(queue.length)")])
            metric("companin_listen_queue_limit", "gauge", "Size of the accept backlog.", [("", "\(queue.limit)")])
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
