import Foundation

@testable import Ingestion

/// The committed fixtures of Tests/Fixtures (see its README.md).
enum ExtractionFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func bytes(_ name: String) -> [UInt8] {
        [UInt8](FileManager.default.contents(atPath: path(name)) ?? Data())
    }

    /// A scratch file with `bytes`, removed by the caller through `remove`.
    static func temporaryFile(_ bytes: [UInt8], suffix: String = "") -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("extraction-\(UUID().uuidString)\(suffix)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// A private copy of a fixture under a unique name, so processes working on it can be found in /proc.
    static func uniqueCopy(_ name: String) -> String {
        temporaryFile(bytes(name), suffix: "-" + name)
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}

/// Whether a program is on PATH: PDF and OCR tests need poppler-utils and tesseract.
func toolInstalled(_ name: String) -> Bool { Subprocess.locate(name) != nil }

/// The `companin` executable for runner tests: COMPANIN_BIN (scripts/test sets it).
let companinBinary: String? = {
    guard let path = ProcessInfo.processInfo.environment["COMPANIN_BIN"], !path.isEmpty,
        FileManager.default.isExecutableFile(atPath: path)
    else { return nil }
    return path
}()

/// Processes still alive (not zombies) whose command line mentions `needle`.
func livingProcesses(mentioning needle: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> Int32? in
        guard let pid = Int32(entry), pid != getpid(),
            let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
            String(decoding: cmdline, as: UTF8.self).contains(needle),
            let stat = FileManager.default.contents(atPath: "/proc/\(entry)/stat")
        else { return nil }
        // The state follows the parenthesized command name: "pid (comm) S ...".
        let text = String(decoding: stat, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let state = text[text.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state == "Z" || state == "X" ? nil : pid
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(within timeout: Duration = .seconds(3), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
