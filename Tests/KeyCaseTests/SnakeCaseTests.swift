import KeyCase
import Testing

@Suite("snake_case names")
struct SnakeCaseTests {
    @Test(arguments: [
        ("id", "id"), ("createdAt", "created_at"), ("assistantID", "assistant_id"), ("createdByAPIKeyID", "created_by_api_key_id"),
        ("sha256", "sha256"), ("chunksDone", "chunks_done"), ("sourceURL", "source_url"), ("URLSource", "url_source"),
        ("already_snake", "already_snake"), ("csatPercent", "csat_percent"), ("p99Milliseconds", "p99_milliseconds"),
        ("ação", "ação"),
    ])
    func converts(_ name: String, _ expected: String) {
        #expect(snakeCased(name) == expected)
        #expect(snakeCased(expected) == expected, "idempotent")
    }
}
