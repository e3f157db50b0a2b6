import Foundation
import POSIXSystem
import Testing

@testable import Ingestion

@Suite("Extraction: posix_spawn helper")
struct ExtractionSubprocessTests {
    func run(
        _ program: String, _ arguments: [String], timeout: Duration = .seconds(10), maxStdoutBytes: Int = 1 << 20,
        environment: [String: String] = ["PATH": "/usr/bin:/bin"]
    ) throws -> Subprocess.Outcome {
        let executable = try #require(Subprocess.locate(program))
        return try Subprocess(
            executable: executable, arguments: arguments, environment: environment,
            deadline: .now + timeout, maxStdoutBytes: maxStdoutBytes
        ).run()
    }

    @Test func exitStatusStdoutAndStderr() throws {
        let outcome = try run("sh", ["-c", "echo out; echo err >&2; exit 7"])
        #expect(outcome.termination == .exited(7))
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "out\n")
        #expect(outcome.stderrText == "err\n")
        #expect(!outcome.timedOut && !outcome.stdoutTruncated)
    }

    @Test func stdinIsDevNull() throws {
        let outcome = try run("cat", [])
        #expect(outcome.termination == .exited(0))
        #expect(outcome.stdout.isEmpty)
    }

    @Test func onlyTheGivenEnvironment() throws {
        let outcome = try run("env", [], environment: ["PATH": "/usr/bin:/bin", "ONLY": "this"])
        #expect(String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n").sorted() == ["ONLY=this", "PATH=/usr/bin:/bin"])
    }

    @Test func noInheritedDescriptors() throws {
        let leaked = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        defer { close(leaked) }
        let outcome = try run("sh", ["-c", "ls /proc/$$/fd"])
        let descriptors = String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n").compactMap { Int32($0) }
        #expect(descriptors.allSatisfy { $0 <= 2 || $0 == 255 }, "\(descriptors)")  // 255: some shells keep their script open there
        #expect(!descriptors.contains(leaked))
    }

    @Test func outputIsBoundedAndTheProgramStopped() throws {
        let started = ContinuousClock.now
        let outcome = try run("yes", [], maxStdoutBytes: 1000)
        #expect(outcome.stdoutTruncated)
        #expect(outcome.stdout.count == 1000)
        #expect(outcome.termination == .signaled(SIGKILL))
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func deadlineKills() throws {
        let started = ContinuousClock.now
        let outcome = try run("sleep", ["10"], timeout: .milliseconds(100))
        #expect(outcome.timedOut)
        #expect(outcome.termination == .signaled(SIGKILL))
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test func missingProgram() {
        #expect(Subprocess.locate("no-such-program-\(UUID())") == nil)
        #expect(throws: SystemError.self) {
            try Subprocess(
                executable: "/nonexistent/program", arguments: [], environment: [:],
                deadline: .now + .seconds(1), maxStdoutBytes: 10
            ).run()
        }
    }
}
