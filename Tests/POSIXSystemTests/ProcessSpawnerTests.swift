import Foundation
import POSIXSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Reads `descriptor` to its end.
func readAll(_ descriptor: Int32) throws -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = try buffer.withUnsafeMutableBytes { raw in
            try systemCall("read") { read(descriptor, raw.baseAddress, raw.count) }
        }
        if count == 0 { return String(decoding: bytes, as: UTF8.self) }
        bytes += buffer[0..<count]
    }
}

/// Waits for `pid` and decodes how it ended.
func waitForExit(_ pid: pid_t) throws -> ProcessTermination {
    var status: Int32 = 0
    try systemCall("waitpid") { waitpid(pid, &status, 0) }
    return ProcessTermination(waitStatus: status)
}

/// Runs `spawner` with its standard output (and error, when asked) on pipes, and returns what it wrote and how it ended.
func run(_ spawner: ProcessSpawner, capturingErrors: Bool = false) throws -> (output: String, errors: String, status: ProcessTermination) {
    var spawner = spawner
    let output = try PipePair()
    let errors = try PipePair()
    defer {
        close(output.read)
        close(errors.read)
    }
    spawner.descriptors[1] = .duplicate(output.write)
    if capturingErrors { spawner.descriptors[2] = .duplicate(errors.write) }
    let pid: pid_t
    do {
        pid = try spawner.spawn()
    } catch {
        close(output.write)
        close(errors.write)
        throw error
    }
    close(output.write)
    close(errors.write)
    let text = try readAll(output.read)
    let errorText = try readAll(errors.read)
    return (text, errorText, try waitForExit(pid))
}

@Suite struct ProcessSpawnerTests {
    @Test func runsWithExactlyTheGivenEnvironment() throws {
        let result = try run(ProcessSpawner(executable: "/usr/bin/env", environment: ["PATH": "/usr/bin:/bin", "GREETING": "hello"]))
        #expect(result.output.split(separator: "\n").sorted() == ["GREETING=hello", "PATH=/usr/bin:/bin"])
        #expect(result.status == .exited(0))
    }

    @Test func inheritsThisProcessEnvironmentWhenNoneIsGiven() throws {
        let path = try #require(ProcessInfo.processInfo.environment["PATH"])
        let result = try run(ProcessSpawner(executable: "/bin/sh", arguments: ["-c", "printf %s \"$PATH\""]))
        #expect(result.output == path)
    }

    @Test func redirectsStandardStreamsAndPassesArgv() throws {
        let spawner = ProcessSpawner(
            executable: "/bin/sh", arguments: ["-c", "cat; echo \"$0/$1\"; echo oops >&2; exit 3", "zero", "one"],
            environment: ["PATH": "/usr/bin:/bin"], descriptors: [0: .open(path: "/dev/null", flags: O_RDONLY)])
        let result = try run(spawner, capturingErrors: true)
        #expect(result.output == "zero/one\n")
        #expect(result.errors == "oops\n")
        #expect(result.status == .exited(3))
    }

    @Test func argumentZeroIsTheExecutableUnlessGiven() throws {
        let script = "tr '\\0' ' ' < /proc/$$/cmdline"
        let plain = try run(ProcessSpawner(executable: "/bin/sh", arguments: ["-c", script]))
        #expect(plain.output.hasPrefix("/bin/sh -c "))
        let named = try run(ProcessSpawner(executable: "/bin/sh", arguments: ["-c", script], argumentZero: "sh"))
        #expect(named.output.hasPrefix("sh -c "))
    }

    @Test func reportsExitCodesAndSignals() throws {
        let exited = try ProcessSpawner(executable: "/bin/sh", arguments: ["-c", "exit 7"]).spawn()
        let exitStatus = try waitForExit(exited)
        #expect(exitStatus == .exited(7))
        #expect(exitStatus.description == "exit code 7")
        #expect(!exitStatus.isClean)

        let killed = try ProcessSpawner(executable: "/bin/sh", arguments: ["-c", "kill -USR1 $$; sleep 5"]).spawn()
        let killedStatus = try waitForExit(killed)
        #expect(killedStatus == .signaled(SIGUSR1))
        #expect(killedStatus.description == "killed by SIGUSR1")

        #expect(try waitForExit(try ProcessSpawner(executable: "/bin/true").spawn()).isClean)
    }

    @Test func descriptorsThatAreEachOthersTargetsArriveInPlace() throws {
        let first = try PipePair()
        let second = try PipePair()
        defer {
            close(first.read)
            close(second.read)
        }
        // The child's fd `first.write` is our `second.write` and the other way round.
        let script = "echo A > /proc/self/fd/\(first.write); echo B > /proc/self/fd/\(second.write)"
        let pid = try ProcessSpawner(
            executable: "/bin/sh", arguments: ["-c", script],
            descriptors: [first.write: .duplicate(second.write), second.write: .duplicate(first.write)]
        ).spawn()
        close(first.write)
        close(second.write)
        #expect(try waitForExit(pid) == .exited(0))
        #expect(try readAll(second.read) == "A\n")
        #expect(try readAll(first.read) == "B\n")
    }

    @Test func otherDescriptorsAreClosedOnlyWhenAsked() throws {
        let leaked = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        try #require(leaked >= 0)
        defer { close(leaked) }
        func descriptors(closingOthers: Bool) throws -> [Int32] {
            let result = try run(
                ProcessSpawner(executable: "/bin/sh", arguments: ["-c", "ls /proc/$$/fd"], closesOtherDescriptors: closingOthers))
            return result.output.split(separator: "\n").compactMap { Int32($0) }
        }
        #expect(try descriptors(closingOthers: false).contains(leaked))
        let closed = try descriptors(closingOthers: true)
        #expect(!closed.contains(leaked))
        #expect(closed.allSatisfy { $0 <= 2 || $0 == 255 }, "\(closed)")  // 255: some shells keep their script there
    }

    @Test func signalMaskAndIgnoredSignalsAreReset() throws {
        // Block SIGUSR2 on this thread (posix_spawn starts from the caller's mask; dispatch's threads
        // block every signal already) and ignore SIGALRM, which no other test touches.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR2)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previousMask)
        defer { pthread_sigmask(SIG_SETMASK, &previousMask, nil) }
        let previousAlarm = signal(SIGALRM, SIG_IGN)
        defer { signal(SIGALRM, previousAlarm) }

        func masks(_ spawner: ProcessSpawner) throws -> (blocked: UInt64, ignored: UInt64) {
            let status = try run(spawner).output
            func mask(_ name: String) -> UInt64 {
                let line = status.split(separator: "\n").first { $0.hasPrefix("\(name):") } ?? ""
                return UInt64(line.split(separator: "\t").last ?? "", radix: 16) ?? .max
            }
            return (mask("SigBlk"), mask("SigIgn"))
        }
        let alarmBit: UInt64 = 1 << (SIGALRM - 1)
        let reset = try masks(ProcessSpawner(executable: "/bin/cat", arguments: ["/proc/self/status"]))
        #expect(reset.blocked == 0)
        #expect(reset.ignored & alarmBit == 0)
        // Without SIGALRM among the defaults it stays ignored, as exec leaves it.
        let kept = try masks(ProcessSpawner(executable: "/bin/cat", arguments: ["/proc/self/status"], defaultSignals: []))
        #expect(kept.blocked == 0)
        #expect(kept.ignored & alarmBit != 0)
    }

    @Test(arguments: [ProcessSpawner.Grouping.inherit, .newProcessGroup, .newSession])
    func processGroupAndSession(_ grouping: ProcessSpawner.Grouping) throws {
        let pid = try ProcessSpawner(executable: "/bin/sleep", arguments: ["10"], grouping: grouping).spawn()
        defer {
            kill(pid, SIGKILL)
            _ = try? waitForExit(pid)
        }
        switch grouping {
        case .inherit:
            #expect(getpgid(pid) == getpgrp())
            #expect(getsid(pid) == getsid(0))
        case .newProcessGroup:
            #expect(getpgid(pid) == pid)
            #expect(getsid(pid) == getsid(0))
        case .newSession:
            #expect(getsid(pid) == pid)
            #expect(getpgid(pid) == pid)
        }
    }

    @Test func aProgramThatCannotStartThrows() {
        #expect(throws: SystemError("posix_spawn", errno: ENOENT)) {
            try ProcessSpawner(executable: "/nonexistent/program").spawn()
        }
        #expect(throws: SystemError("posix_spawn", errno: EACCES)) {
            try ProcessSpawner(executable: "/etc/passwd").spawn()
        }
    }
}
