import Logging
import Synchronization
import Testing

@testable import Companin

/// What a client sends can reach the log (a path, a header, a file name); it must not be able to
/// begin a line of its own there.
struct EscapingLogHandlerTests {
    final class Recorder: Sendable {
        let lines = Mutex<[String]>([])
    }

    struct RecordingHandler: LogHandler {
        let recorder: Recorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = metadata.merging(event.metadata ?? [:]) { _, new in new }.sorted { $0.key < $1.key }
            recorder.lines.withLock {
                $0.append(([event.message.description] + fields.map { "\($0.key)=\($0.value)" }).joined(separator: " "))
            }
        }
    }

    @Test func controlCharactersInMessagesAndMetadataAreEscaped() {
        let recorder = Recorder()
        var logger = Logger(label: "test") { _ in EscapingLogHandler(RecordingHandler(recorder: recorder)) }
        logger[metadataKey: "request_path"] = "/api/v1/x\r\n2026-12-03 error forged line"
        logger.info(
            "upload of \("evil\nname.pdf") failed",
            metadata: ["filename": "a\u{1B}[31mred\u{2028}", "list": ["ok", "b\tc"], "number": "\(42)"])
        let lines = recorder.lines.withLock { $0 }
        #expect(lines.count == 1)
        let line = lines[0]
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{1B}") && !line.contains("\u{2028}"))
        #expect(line.contains(#"upload of evil\nname.pdf failed"#))
        #expect(line.contains(#"request_path=/api/v1/x\r\n2026-12-03 error forged line"#))
        #expect(line.contains(#"filename=a\u{1B}[31mred\u{2028}"#))
        #expect(!line.contains("\t"))
        #expect(line.contains("number=42"))
    }
}
