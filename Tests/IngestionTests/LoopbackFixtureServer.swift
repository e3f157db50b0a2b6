import Foundation

/// Runs a Python fixture server from `Tests/Fixtures` on 127.0.0.1 and a free port for one test.
///
/// The script prints its port on its first line and exits when its stdin closes, so it cannot
/// outlive the test process even if a test crashes before calling `stop()`.
class LoopbackFixtureServer {
    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var isRunning: Bool { process.isRunning }

    init(script: String, arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.fixtures.appendingPathComponent(script).path, "--port", "0"] + arguments
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
            throw StartError(description: "\(script) did not print its port (got \(firstLine.debugDescription))")
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

    deinit {
        stop()
    }
}
