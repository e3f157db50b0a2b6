import Foundation
import HTTP
import Ingestion
import Logging
import MariaDB
import RateLimiter
import Testing

@testable import Companin

@Suite struct APIContractTests {
    /// The application as a responder builds it; nothing here touches the database.
    func application() throws -> CompaninApp {
        let database = Connection(
            configuration: try DatabaseConfiguration(url: "mariadb://nobody@127.0.0.1:1/none"),
            logger: Logger(label: "test"))
        return CompaninApp(
            database: database,
            rateLimiting: .init(limiter: try RateLimiter.makePrivate(capacity: 64), defaultPerHour: 100),
            knowledge: KnowledgeConfiguration(
                blobDirectory: URL(fileURLWithPath: "/nonexistent"), maxUploadBytes: 1 << 20,
                enricher: LocalEnricher(), extractorExecutable: "/bin/false", fetchPolicy: FetchPolicy()),
            sessions: .standard, replyModel: nil, maxJSONBodyBytes: 1 << 20, logger: Logger(label: "test"))
    }

    @Test func everyRouteHasItsContractEntryAndNoEntryLacksARoute() throws {
        let routes = Set(try application().application.router.routes.map { "\($0.method) \($0.template)" })
        let contract = Set(APIContract.operations.map { "\($0.method) \($0.path)" })
        #expect(routes.subtracting(contract).sorted() == [], "routes without a contract entry")
        #expect(contract.subtracting(routes).sorted() == [], "contract entries without a route")
        #expect(APIContract.operations.count == contract.count, "an operation is listed twice")
    }

    @Test func operationIDsAreUniqueAndEveryReferenceResolves() throws {
        let ids = APIContract.operations.map(APIContract.operationID)
        #expect(Set(ids).count == ids.count)
        let document = APIContract.document
        var references: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if case .string(let target)? = members["$ref"] { references.append(target) }
                members.values.forEach(collect)
            case .array(let items): items.forEach(collect)
            default: break
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for reference in Set(references) {
            var node: JSONValue? = document
            for part in reference.dropFirst(2).split(separator: "/") { node = node?.objectValue?[String(part)] }
            #expect(node != nil, "unresolved \(reference)")
        }
        #expect(document.objectValue?["openapi"] == .string("3.1.0"))
    }

    @Test func pathsUseOpenAPITemplates() {
        #expect(
            APIContract.openAPIPath("/api/v1/assistants/:assistant_id/versions/:version")
                == "/api/v1/assistants/{assistant_id}/versions/{version}")
        let paths = APIContract.document.objectValue?["paths"]?.objectValue ?? [:]
        #expect(paths["/api/v1/assistants/{assistant_id}"]?.objectValue?.keys.sorted() == ["delete", "get", "patch"])
    }
}
