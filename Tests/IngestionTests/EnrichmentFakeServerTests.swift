import Foundation
import Testing

/// Runs `Tests/Fixtures/fake_openai_server.py` on a free loopback port for one test.
///
/// The server exits when its stdin closes, so it cannot outlive the test process even if a
/// test crashes before calling `stop()`.
final class FakeOpenAIServer {
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    static let fixturePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fake_openai_server.py").path

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(apiKey: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.fixturePath, "--port", "0"] + (apiKey.map { ["--api-key", $0] } ?? [])
        process.standardInput = input
        process.standardOutput = output
        try process.run()

        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let piece = output.fileHandleForReading.availableData
            if piece.isEmpty { break }
            data.append(piece)
        }
        let firstLine = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard let port = Int(firstLine.trimmingCharacters(in: .whitespaces)), port > 0 else {
            try? input.fileHandleForWriting.close()
            process.terminate()
            throw StartError(description: "fake server did not print its port (got \(firstLine.debugDescription))")
        }
        self.port = port
    }

    /// Closes the server's stdin and waits for it to exit (terminating it after 5 seconds).
    func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    var isRunning: Bool { process.isRunning }

    deinit {
        stop()
    }
}

@Suite struct EnrichmentFakeServerTests {
    @Test func fixtureExitsWhenItsStdinCloses() throws {
        let server = try FakeOpenAIServer()
        #expect(server.port > 0)
        #expect(server.isRunning)
        server.stop()
        #expect(!server.isRunning)
    }
}
