import Foundation
import HTTP
import Ingestion
import MariaDB
import Testing

@testable import Companin

/// What a source says about a failure, in the serialized "Knowledge stores" suite (it claims jobs
/// from the shared test database).
extension KnowledgeStoreTests {
    /// Fails every embedding with the error a failed statement raises, its SQL text included.
    struct FailingEnricher: Enricher {
        let embeddingModel = LocalEnricher().embeddingModel
        func summarize(_ text: String, title: String?) throws -> String { "" }
        func keywords(_ text: String, limit: Int) throws -> [String] { [] }
        func embed(_ texts: [String], role: EmbeddingRole) throws -> [Embedding] {
            throw DatabaseError(
                kind: .statement, code: 1146, message: "Table 'companin.knowledge_chunks' doesn't exist",
                sql: "INSERT INTO knowledge_chunks (organization_id, secret_column) VALUES (?, ?)")
        }
    }

    @Test func aSourceThatFailsForAnInternalReasonShowsNoStatementOrServerMessage() throws {
        let app = try TestApp()
        let pair = app.send(.post, "/api/v1/knowledge/qas/", json: #"{"question": "Prazo?", "answer": "Dois dias."}"#)
        #expect(pair.status == 202)
        let worker = IngestWorker(
            database: connection,
            configuration: .init(
                blobDirectory: TestApp.blobDirectory, lease: .seconds(60), maxAttempts: 1, extractorExecutable: "/bin/false"),
            enricher: FailingEnricher(), fetchPolicy: FetchPolicy(), logger: TestApp.logger)
        let queue = IngestionQueue(database: connection)
        for _ in 0..<10_000 {
            guard let job = try worker.claim() else { break }
            guard job.organizationID == app.organizationID else {
                try queue.finish(job)  // another test's, left behind
                continue
            }
            worker.run(job)
            break
        }
        let failed = app.send(.get, "/api/v1/knowledge/qas/\(pair.id)")
        #expect(failed["status"] == "failed")
        #expect(failed["error"]?["code"] == "ingestion_failed")
        #expect(failed["error"]?["message"] == "Gave up after 1 attempts: a database error")
        #expect(!failed.json.serialized.contains("INSERT") && !failed.json.serialized.contains("secret_column"))
    }
}
