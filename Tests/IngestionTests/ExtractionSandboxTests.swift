import Foundation
import POSIXSystem
import Testing

@testable import Ingestion

/// The extraction sandbox, proven from inside: `companin extract --probe` runs where an extractor
/// runs and tries what an exploited parser would; every attempt must fail. The targets (loopback
/// listeners, another organization's file) are set up here.
@Suite("Extraction: sandbox", .serialized)
struct ExtractionSandboxTests {
    static let sandbox: ExtractionSandbox? = try? ExtractionSandbox.resolve(.bwrap)
    static let ready = companinBinary != nil && sandbox != nil

    /// Blob directory of two organizations: the input of one, and the other's original beside it.
    struct Originals {
        let directory: String
        let input: String
        let neighbour: String

        init() {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-blobs-\(UUID().uuidString)").path
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            input = directory + "/org-a-upload.txt"
            neighbour = directory + "/org-b-contract.txt"
            _ = FileManager.default.createFile(atPath: input, contents: Data("the upload\n".utf8))
            _ = FileManager.default.createFile(atPath: neighbour, contents: Data("another organization's secret\n".utf8))
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    func probe(
        _ runner: ExtractionRunner, originals: Originals, listeners: LoopbackListeners, grandchild: String? = nil,
        linger: Int = 0, timeout: Duration = .seconds(10)
    ) throws -> [String: SandboxProbe.Attempt] {
        var request = SandboxProbe.Request()
        request.tcpPort = listeners.tcpPort
        request.unixSocket = listeners.unixPath
        request.abstractSocket = listeners.abstractName
        request.hostPID = getpid()
        request.environMarker = "COMPANIN_BIN="
        request.input = originals.input
        request.neighbour = originals.neighbour
        request.parentUID = getuid()
        request.grandchildName = grandchild
        request.lingerSeconds = linger
        return try #require(runner.probe(request, timeout: timeout), "the probe printed no report")
    }

    @Test(.enabled(if: ready, "needs COMPANIN_BIN and a working bwrap"))
    func everyEscapeFailsFromInside() throws {
        let originals = Originals()
        defer { originals.remove() }
        let listeners = try LoopbackListeners()
        defer { listeners.close() }
        let runner = ExtractionRunner(executable: companinBinary!, sandbox: Self.sandbox)
        let report = try probe(runner, originals: originals, listeners: listeners)

        let expected = [
            "open_inet_socket", "connect_tcp_loopback", "connect_unix_socket", "connect_abstract_socket",
            "read_host_environ", "signal_host_process", "share_worker_session", "read_other_original", "list_originals_directory",
            "write_original", "gain_privileges", "hold_capabilities", "escape_seccomp", "run_as_root_or_parent_uid",
            "create_user_namespace", "ptrace",
        ]
        for name in expected {
            let attempt = try #require(report[name], "no attempt \(name)")
            #expect(!attempt.succeeded, "\(name): \(attempt.detail)")
        }
        // The refusal comes from the seccomp filter, not only from the empty network namespace.
        #expect(report["open_inet_socket"]?.detail.contains("errno \(EAFNOSUPPORT)") == true)
        #expect(report["create_user_namespace"]?.detail.contains("errno \(EPERM)") == true)
        #expect(report["ptrace"]?.detail.contains("errno \(EPERM)") == true)
        #expect(report["run_as_root_or_parent_uid"]?.detail.hasPrefix("uid \(ExtractionSandbox.sandboxID),") == true)
    }

    @Test(.enabled(if: ready, "needs COMPANIN_BIN and a working bwrap"))
    func aGrandchildInItsOwnSessionDiesWithTheKill() throws {
        let originals = Originals()
        defer { originals.remove() }
        let listeners = try LoopbackListeners()
        defer { listeners.close() }
        let name = "sandbox-grandchild-\(UUID().uuidString)"
        let runner = ExtractionRunner(executable: companinBinary!, sandbox: Self.sandbox)
        // The probe lingers after reporting, so the runner kills it at the timeout.
        let started = ContinuousClock.now
        let report = try probe(runner, originals: originals, listeners: listeners, grandchild: name, linger: 30, timeout: .seconds(2))
        #expect(ContinuousClock.now - started < .seconds(5))
        let attempt = try #require(report["start_session_grandchild"])
        #expect(attempt.succeeded, "the grandchild did not start: \(attempt.detail)")
        #expect(eventually { livingProcesses(mentioning: name).isEmpty }, "the grandchild outlived the kill")
    }

    @Test(.enabled(if: ready, "needs COMPANIN_BIN and a working bwrap"))
    func extractionStillWorksInside() throws {
        let runner = ExtractionRunner(executable: companinBinary!, sandbox: Self.sandbox)
        let text = try runner.extract(path: ExtractionFixtures.path("latin1.txt"), kind: .text).get()
        #expect(text.text.hasPrefix("Política de privacidade"))
        #expect(try runner.extract(path: ExtractionFixtures.path("web/article.html"), kind: .html).get().text.isEmpty == false)
        if toolInstalled("pdftotext") {
            let pdf = try runner.extract(path: ExtractionFixtures.path("manual.pdf"), kind: .pdf).get()
            #expect(pdf.text.contains("Our support desk is open Monday to Friday."))
        }
        if toolInstalled("tesseract") {
            let image = try runner.extract(path: ExtractionFixtures.path("ocr-sign.png"), kind: .image).get()
            #expect(image.text.contains("Companin reads invoices"))
        }
        let missing = runner.extract(path: "/nonexistent/upload.txt", kind: .text)
        #expect(missing.failure != nil)
        #expect(
            ExtractionRunner(executable: "/nonexistent/companin", sandbox: Self.sandbox).extract(path: "/tmp/x", kind: .text)
                .failure?.code == "tool_missing")
    }

    @Test(.enabled(if: sandbox != nil, "needs a working bwrap"))
    func signalsOfTheProgramComeThroughBwrap() {
        let path = ExtractionFixtures.temporaryFile(Array("#!/bin/sh\nkill -XCPU $$\n".utf8), suffix: ".sh")
        defer { ExtractionFixtures.remove(path) }
        chmod(path, 0o755)
        let result = ExtractionRunner(executable: path, sandbox: Self.sandbox).extract(path: "/tmp/x", kind: .text)
        #expect(result.failure?.code == "resource_limit")
    }

    @Test func seccompProgramShape() throws {
        for architecture in [SeccompFilter.Architecture.amd64, .arm64] {
            let filter = SeccompFilter.untrustedParser(for: architecture)
            #expect(filter.bytes.count == filter.instructionCount * 8)
            #expect(filter.instructionCount < 256)
        }
        #expect(SeccompFilter.refusedCalls.contains("ptrace"))
        #expect(SeccompFilter.refusedCalls.contains("unshare"))
        // The first instruction loads seccomp_data.arch (offset 4): BPF_LD|BPF_W|BPF_ABS.
        #expect(Array(SeccompFilter.untrustedParser(for: .amd64).bytes.prefix(8)) == [0x20, 0, 0, 0, 4, 0, 0, 0])
    }

    @Test func bwrapCommandBindsOnlyTheInput() {
        let sandbox = ExtractionSandbox(bwrap: "/usr/bin/bwrap", readOnlyDirectories: ["/opt/swift/usr/lib/swift/linux"])
        let command = sandbox.wrap(
            executable: "/usr/local/bin/companin", arguments: ["extract", "--path=/var/blobs/a"], input: "/var/blobs/a")
        #expect(command.executable == "/usr/bin/bwrap")
        let arguments = command.arguments
        for option in ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session"] {
            #expect(arguments.contains(option))
        }
        #expect(arguments.contains(["--ro-bind-try", "/var/blobs/a", "/var/blobs/a"]))
        #expect(!arguments.contains("/var/blobs"))
        #expect(Array(arguments.suffix(3)) == ["/usr/local/bin/companin", "extract", "--path=/var/blobs/a"])
    }

    @Test func processesCanBeMarkedNonDumpable() throws {
        guard ProcessDumpability.isDumpable != nil else { return }
        let before = ProcessDumpability.isDumpable
        defer { if before == true { _ = try? ProcessDumpability.enable() } }
        try ProcessDumpability.disable()
        #expect(ProcessDumpability.isDumpable == false)
    }
}

/// A TCP listener on 127.0.0.1 and a unix socket listener (by path and in the abstract namespace),
/// for the probe to try to reach. Listening is enough for a connect to succeed.
final class LoopbackListeners {
    let tcpPort: Int
    let unixPath: String
    let abstractName: String
    private var descriptors: [Int32] = []

    init() throws {
        let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(tcp, pointer, length) == 0 && listen(tcp, 8) == 0 && getsockname(tcp, pointer, &length) == 0
            }
        }
        guard bound else { throw SystemError("listen 127.0.0.1") }
        descriptors.append(tcp)
        tcpPort = Int(UInt16(bigEndian: address.sin_port))

        unixPath = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString.prefix(8)).sock").path
        abstractName = "companin-probe-\(UUID().uuidString)"
        for (name, abstract) in [(unixPath, false), (abstractName, true)] {
            let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let path = (abstract ? [0] : []) + Array(name.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.enumerated() { raw[index] = byte }
            }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
            let ok = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && listen(descriptor, 8) == 0 }
            }
            guard ok else { throw SystemError("listen \(name)") }
            descriptors.append(descriptor)
        }
    }

    func close() {
        for descriptor in descriptors { _ = Glibc.close(descriptor) }
        descriptors = []
        unlink(unixPath)
    }
}
