import Foundation
import HTTP
import MariaDB
import RateLimiter

/// `/analytics/…`: the request log, usage over time, the endpoint mix and throttling, for the
/// caller's organization — or, with an operator key and `organization_id=ID|all`, another's or all.
/// Every endpoint but `knowledge` (the current state) takes `from` and `to` (ISO 8601; default the
/// last 24 hours) and `api_key_id`. `keys`, `feedback` and `knowledge` feed the operator dashboard.
enum AnalyticsRoutes {
    enum Granularity: String, CaseIterable {
        case hour, day

        var seconds: TimeInterval { self == .hour ? 3_600 : 86_400 }
    }

    /// The query parameters of the analytics endpoints.
    enum Query {
        static let from = Field("from", .dateTime, "The window's start; before to. Default: 24 hours before to")
        static let to = Field("to", .dateTime, "The window's end; after from. Default: now")
        static let apiKeyID = Field("api_key_id", .uuid)
        static let organizationID = Field("organization_id", .string(maxLength: 64), "An organization id, or all; operator keys only")
        /// The range and filters of every endpoint but `knowledge`.
        static let window = [from, to, apiKeyID, organizationID]
        static let granularity = Field(
            "granularity", .choice(Granularity.allCases.map(\.rawValue)),
            "Buckets of an hour (the default) or a day; a series has at most \(AnalyticsRoutes.maximumBuckets) buckets "
                + "(31 days of hours), more is 422")

        /// The filters of the request log.
        static let status = Field("status", .integer(minimum: 100, maximum: 599))
        static let method = Field("method", .string(maxLength: 10))
        static let route = Field("route", .string(maxLength: 200))
        static let minimumDuration = Field("min_duration_ms", .number(minimum: 0))
        static let logFilters = [status, method, route, minimumDuration]
    }

    /// Buckets a usage, throttling or satisfaction series may have at most: 31 days of hours (a window
    /// not on the hour touches one hour more). The contract states it on `granularity` and as the
    /// series' `maxItems`.
    static let maximumBuckets = 24 * 31 + 1

    struct Window {
        var store: AnalyticsStore
        var from: Date
        var to: Date
        /// `to` is now or later (or was left out): nothing after it is logged yet.
        var live: Bool
        var apiKeyID: UUID?
    }

    static func register(on router: inout Router<AppContext>, limiter: RateLimiter, defaultPerHour: Int, reads: AnalyticsReads) {
        // Every endpoint reads where `reads` says (the replica while it is fresh) and says where.
        func get(_ template: String, _ handler: @escaping (Request, AppContext, Connection) throws -> Response) {
            router.get(template) { request, context in
                var (response, source) = try reads.read(primary: context.database) { database in
                    try handler(request, context, database)
                }
                response.headers.set(AnalyticsReads.header, source)
                return response
            }
        }

        get("/analytics/logs/") { request, context, database in
            var query = QueryReader(request)
            let window = try window(request, context, database, &query)
            var filter = AnalyticsStore.LogFilter(apiKeyID: window.apiKeyID)
            filter.status = httpStatus(&query)
            filter.method = query.string(Query.method)?.uppercased()
            filter.route = query.string(Query.route)
            filter.minimumDurationMicroseconds = minimumDuration(&query)
            let page = query.pagination()
            try query.finish()
            let found = try window.store.logs(from: window.from, to: window.to, live: window.live, filter, page)
            return try Response.json(Page(items: found.items, count: found.count))
        }

        get("/analytics/usage/") { request, context, database in
            var query = QueryReader(request)
            let window = try window(request, context, database, &query)
            let granularity = query.choice(Query.granularity, Granularity.self) ?? .hour
            try query.finish()
            let periods = try window.store.totals(
                from: window.from, to: window.to, live: window.live, apiKeyID: window.apiKeyID,
                by: granularity == .day ? .day : .hour)
            var overall = AnalyticsStore.Totals()
            for value in periods.values { overall.add(value) }
            return try Response.json(
                Usage(
                    from: window.from, to: window.to, granularity: granularity.rawValue,
                    totals: UsageFigures(start: nil, overall),
                    buckets: try series(periods, window, granularity: granularity)))
        }

        get("/analytics/endpoints/") { request, context, database in
            var query = QueryReader(request)
            let window = try window(request, context, database, &query)
            try query.finish()
            let groups = try window.store.totals(
                from: window.from, to: window.to, live: window.live, apiKeyID: window.apiKeyID,
                by: .endpoint)
            let items = groups.map { EndpointFigures(route: $0.key.route ?? "", method: $0.key.method ?? "", $0.value) }
                .sorted { ($0.requests, $1.route, $1.method) > ($1.requests, $0.route, $0.method) }
            return try Response.json(Page(items: items, count: items.count))
        }

        get("/analytics/rate-limits/") { request, context, database in
            var query = QueryReader(request)
            let window = try window(request, context, database, &query)
            let granularity = query.choice(Query.granularity, Granularity.self) ?? .hour
            try query.finish()
            let periods = try window.store.totals(
                from: window.from, to: window.to, live: window.live, apiKeyID: window.apiKeyID,
                by: granularity == .day ? .day : .hour)
            let buckets = try series(periods, window, granularity: granularity).map {
                ThrottleBucket(start: $0.start ?? window.from, throttled: $0.throttled)
            }
            let keys = try window.store.totals(
                from: window.from, to: window.to, live: window.live, apiKeyID: window.apiKeyID,
                by: .apiKey
            )
            .filter { $0.value.throttled > 0 }
            .map { KeyThrottling(apiKeyID: $0.key.apiKeyID, requests: $0.value.requests, throttled: $0.value.throttled) }
            .sorted { ($0.throttled, $1.apiKeyID?.uuidString ?? "") > ($1.throttled, $0.apiKeyID?.uuidString ?? "") }
            var live: LiveLimit?
            if let organizationID = window.store.scope.organizationID {
                let limit = try perHourLimit(of: organizationID, context: context) ?? defaultPerHour
                let decision = limiter.peek(RateLimitKey(uuid: organizationID), limit: limit)
                live = LiveLimit(limit: decision.limit, remaining: decision.remaining, resetSeconds: decision.resetSeconds)
            }
            return try Response.json(
                RateLimits(
                    from: window.from, to: window.to, granularity: granularity.rawValue,
                    throttled: buckets.reduce(0) { $0 + $1.throttled }, buckets: buckets,
                    keys: keys, live: live))
        }

        get("/analytics/keys/") { request, context, database in
            var query = QueryReader(request)
            let window = try window(request, context, database, &query)
            try query.finish()
            var requests: [UUID: Int] = [:]
            for (group, totals) in try window.store.totals(
                from: window.from, to: window.to, live: window.live, apiKeyID: window.apiKeyID,
                by: .apiKey)
            {
                if let id = group.apiKeyID { requests[id] = totals.requests }
            }
            let keys = try DashboardFigures(database: database, organizationID: window.store.scope.organizationID).keys(
                requests: requests)
            return try Response.json(Page(items: keys, count: keys.count))
        }

        get("/analytics/feedback/") { request, context, database in
            var query = QueryReader(request)
            let window = try window(request, context, database, &query)
            let granularity = query.choice(Query.granularity, Granularity.self) ?? .hour
            try query.finish()
            let starts = try bucketStarts(window, granularity: granularity)
            let feedback = try DashboardFigures(database: database, organizationID: window.store.scope.organizationID)
                .feedback(from: window.from, to: window.to, apiKeyID: window.apiKeyID, period: granularity.seconds)
            let empty = DashboardFigures.Satisfaction(ratings: 0, sum: 0, satisfied: 0)
            let buckets = starts.map { FeedbackBucket(start: $0, satisfaction: feedback.periods[$0] ?? empty) }
            return try Response.json(
                FeedbackReport(
                    from: window.from, to: window.to, granularity: granularity.rawValue,
                    totals: feedback.totals, buckets: buckets, assistants: feedback.assistants,
                    comments: feedback.comments))
        }

        get("/analytics/knowledge/") { request, context, database in
            var query = QueryReader(request)
            let organizationID = try organizationScope(context, &query)
            try query.finish()
            let figures = DashboardFigures(database: database, organizationID: organizationID)
            let knowledge = try figures.knowledge()
            return try Response.json(
                KnowledgeReport(
                    statuses: knowledge.statuses, failed: knowledge.failed,
                    failedCount: knowledge.failedCount, embeddingModels: try figures.embeddingModels()))
        }
    }

    /// The organization in scope: the caller's, or for operator keys `organization_id=ID|all`
    /// (`nil`: every organization).
    static func organizationScope(_ context: AppContext, _ query: inout QueryReader) throws -> UUID? {
        guard let principal = context.principal else { throw HTTPError.unauthorized }
        var organizationID: UUID? = principal.organizationID
        if let text = query.string(Query.organizationID) {
            guard principal.isOperator else {
                throw HTTPError(.forbidden, detail: "Only operator keys may read other organizations' analytics")
            }
            if text == "all" {
                organizationID = nil
            } else if let id = UUID(uuidString: text) {
                organizationID = id
            } else {
                query.fail(Query.organizationID.name, "Input should be an organization id or 'all'", type: "uuid_parsing")
            }
        }
        return organizationID
    }

    /// `?status=`: an HTTP status within the declared range; anything else is one `int_parsing` error.
    private static func httpStatus(_ query: inout QueryReader) -> Int? {
        let range = Query.status.kind.range!
        guard let text = query.value(Query.status, maxLength: String(range.upperBound).count) else { return nil }
        guard let status = Int64(text), range.contains(status) else {
            query.fail(
                Query.status.name, "Input should be an HTTP status from \(range.lowerBound) to \(range.upperBound)", type: "int_parsing")
            return nil
        }
        return Int(status)
    }

    /// `?min_duration_ms=` in microseconds: a finite number of milliseconds from the declared minimum.
    private static func minimumDuration(_ query: inout QueryReader) -> Int? {
        guard case .number(let minimum?, _) = Query.minimumDuration.kind else { preconditionFailure("min_duration_ms has a minimum") }
        guard let text = query.value(Query.minimumDuration, maxLength: 10) else { return nil }
        guard let milliseconds = Double(text), milliseconds.isFinite, milliseconds >= minimum else {
            query.fail(
                Query.minimumDuration.name, "Input should be a number of milliseconds ≥ \(String(format: "%g", minimum))",
                type: "float_parsing")
            return nil
        }
        return Int(milliseconds * 1_000)
    }

    /// The organization scope, time range and key filter every endpoint shares.
    private static func window(
        _ request: Request, _ context: AppContext, _ database: Connection, _ query: inout QueryReader
    ) throws -> Window {
        let organizationID = try organizationScope(context, &query)
        let range = range(&query)
        let apiKeyID = query.uuid(Query.apiKeyID)
        return Window(
            store: AnalyticsStore(database: database, organizationID: organizationID),
            from: range.from, to: range.to, live: range.live, apiKeyID: apiKeyID)
    }

    /// `from` and `to` (default the 24 hours until now), to the microsecond; `live` when `to` is now
    /// or later. A `from` not before `to` is a `422`.
    static func range(_ query: inout QueryReader) -> (from: Date, to: Date, live: Bool) {
        let now = Date.now
        let to = query.timestamp(Query.to) ?? now
        let from = query.timestamp(Query.from) ?? to.addingTimeInterval(-86_400)
        if from >= to { query.fail(Query.from.name, "Value error, from must be before to", type: "value_error") }
        return (from.truncatedToMicroseconds, to.truncatedToMicroseconds, to >= now)
    }

    /// The starts of the hours or days across the window; at most `maximumBuckets` of them.
    private static func bucketStarts(_ window: Window, granularity: Granularity) throws -> [Date] {
        let step = granularity.seconds
        let first = granularity == .hour ? AnalyticsStore.hour(containing: window.from) : AnalyticsStore.day(containing: window.from)
        let count = Int((window.to.timeIntervalSince(first) / step).rounded(.up))
        guard count <= maximumBuckets else {
            throw ValidationError([
                FieldError(
                    loc: [.key("query"), .key(Query.from.name)],
                    msg: "Value error, at most \(maximumBuckets) buckets: shorten the range or use granularity=day", type: "value_error")
            ])
        }
        return (0..<count).map { first.addingTimeInterval(Double($0) * step) }
    }

    /// Totals of hours (or days) as a series of hours or days across the window, every bucket present (zero when idle).
    private static func series(
        _ periods: [AnalyticsStore.Group: AnalyticsStore.Totals], _ window: Window,
        granularity: Granularity
    ) throws -> [UsageFigures] {
        let starts = try bucketStarts(window, granularity: granularity)
        guard let first = starts.first else { return [] }
        var buckets = starts.map { UsageFigures(start: $0, AnalyticsStore.Totals()) }
        var totals = Array(repeating: AnalyticsStore.Totals(), count: starts.count)
        for (group, value) in periods {
            guard let start = group.start else { continue }
            let index = Int((start.timeIntervalSince(first) / granularity.seconds).rounded(.down))
            if totals.indices.contains(index) { totals[index].add(value) }
        }
        for index in buckets.indices { buckets[index] = UsageFigures(start: buckets[index].start, totals[index]) }
        return buckets
    }

    private static func perHourLimit(of organizationID: UUID, context: AppContext) throws -> Int? {
        if organizationID == context.principal?.organizationID { return context.principal?.rateLimitPerHour }
        return try OrganizationStore(database: context.database).find(organizationID)?.rateLimitPerHour
    }
}

// MARK: Documents

private struct UsageFigures: Encodable {
    var start: Date?
    var requests: Int
    var errors4xx: Int
    var errors5xx: Int
    var throttled: Int
    var p50Milliseconds: Double?
    var p95Milliseconds: Double?

    init(start: Date?, _ totals: AnalyticsStore.Totals) {
        self.start = start
        requests = totals.requests
        errors4xx = totals.errors4xx
        errors5xx = totals.errors5xx
        throttled = totals.throttled
        p50Milliseconds = totals.quantileMilliseconds(0.5)
        p95Milliseconds = totals.quantileMilliseconds(0.95)
    }

    enum CodingKeys: String, CodingKey {
        case start, requests
        case errors4xx = "errors_4xx"
        case errors5xx = "errors_5xx"
        case throttled
        case p50Milliseconds = "p50_ms"
        case p95Milliseconds = "p95_ms"
    }
}

private struct Usage: Encodable {
    var from: Date
    var to: Date
    var granularity: String
    var totals: UsageFigures
    var buckets: [UsageFigures]
}

private struct EndpointFigures: Encodable {
    var route: String
    var method: String
    var requests: Int
    var errors4xx: Int
    var errors5xx: Int
    var errorRate: Double
    var p50Milliseconds: Double?
    var p95Milliseconds: Double?
    var requestBytes: Int
    var responseBytes: Int

    init(route: String, method: String, _ totals: AnalyticsStore.Totals) {
        self.route = route
        self.method = method
        requests = totals.requests
        errors4xx = totals.errors4xx
        errors5xx = totals.errors5xx
        errorRate =
            totals.requests == 0 ? 0 : (Double(totals.errors4xx + totals.errors5xx) / Double(totals.requests) * 10_000).rounded() / 10_000
        p50Milliseconds = totals.quantileMilliseconds(0.5)
        p95Milliseconds = totals.quantileMilliseconds(0.95)
        requestBytes = totals.requestBytes
        responseBytes = totals.responseBytes
    }

    enum CodingKeys: String, CodingKey {
        case route, method, requests
        case errors4xx = "errors_4xx"
        case errors5xx = "errors_5xx"
        case errorRate = "error_rate"
        case p50Milliseconds = "p50_ms"
        case p95Milliseconds = "p95_ms"
        case requestBytes = "request_bytes"
        case responseBytes = "response_bytes"
    }
}

private struct ThrottleBucket: Encodable {
    var start: Date
    var throttled: Int
}

private struct KeyThrottling: Encodable {
    var apiKeyID: UUID?
    var requests: Int
    var throttled: Int
}

private struct LiveLimit: Encodable {
    var limit: Int
    var remaining: Int
    var resetSeconds: Int
}

private struct RateLimits: Encodable {
    var from: Date
    var to: Date
    var granularity: String
    var throttled: Int
    var buckets: [ThrottleBucket]
    var keys: [KeyThrottling]
    /// The organization's limiter now; `null` for `organization_id=all`.
    var live: LiveLimit?
}

private struct FeedbackBucket: Encodable {
    var start: Date
    var satisfaction: DashboardFigures.Satisfaction

    enum CodingKeys: String, CodingKey { case start }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(start, forKey: .start)
        try satisfaction.encode(to: encoder)
    }
}

private struct FeedbackReport: Encodable {
    var from: Date
    var to: Date
    var granularity: String
    var totals: DashboardFigures.Satisfaction
    var buckets: [FeedbackBucket]
    var assistants: [DashboardFigures.AssistantSatisfaction]
    var comments: [DashboardFigures.Comment]
}

private struct KnowledgeReport: Encodable {
    var statuses: [DashboardFigures.StatusCount]
    var failed: [DashboardFigures.FailedSource]
    var failedCount: Int
    var embeddingModels: [DashboardFigures.ModelCount]
}
