import Foundation
import POSIXSystem
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SystemErrorTests {
    @Test func descriptionNamesTheCallAndTheError() {
        let error = SystemError("shm_open", errno: EACCES)
        #expect(error.description == "shm_open: \(String(cString: strerror(EACCES)))")
        #expect(error.description.hasPrefix("shm_open: "))
        #expect(error.errno == EACCES)
    }

    @Test func takesErrnoRightAfterTheFailedCall() {
        #expect(close(-1) == -1)
        let error = SystemError("close")
        #expect(error == SystemError("close", errno: EBADF))
    }

    @Test func checkThrowsTheReturnedErrorNumber() {
        #expect(throws: Never.self) { try SystemError.check("posix_spawnattr_init", 0) }
        #expect(throws: SystemError("pthread_mutex_init", errno: EAGAIN)) {
            try SystemError.check("pthread_mutex_init", EAGAIN)
        }
    }
}

@Suite struct SystemCallTests {
    @Test func retriesWhileTheCallFailsWithEINTR() throws {
        var calls = 0
        let result = try systemCall("read") { () -> Int in
            calls += 1
            guard calls > 2 else {
                errno = EINTR
                return -1
            }
            return 42
        }
        #expect(result == 42)
        #expect(calls == 3)
    }

    @Test func anyOtherFailureThrowsAtOnce() {
        var calls = 0
        #expect(throws: SystemError("read 7", errno: EBADF)) {
            try systemCall("read \(7)") { () -> Int32 in
                calls += 1
                errno = EBADF
                return -1
            }
        }
        #expect(calls == 1)
    }

    @Test func resultsOtherThanMinusOneAreReturned() throws {
        #expect(try systemCall("poll") { Int32(0) } == 0)
        #expect(try systemCall("waitpid") { Int32(-2) } == -2)
    }

    /// A blocking `read` interrupted by a real signal (a handler installed without `SA_RESTART`,
    /// sent to this very thread) fails with EINTR and is retried until the data arrives.
    @Test func aReadInterruptedByASignalIsRetried() throws {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in signalsHandled.add(1, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        var previous = sigaction()
        #expect(sigaction(SIGUSR2, &action, &previous) == 0)
        defer { sigaction(SIGUSR2, &previous, nil) }
        // Dispatch's worker threads, which run the tests, block every signal.
        var usr2 = sigset_t()
        sigemptyset(&usr2)
        sigaddset(&usr2, SIGUSR2)
        var previousMask = sigset_t()
        #expect(pthread_sigmask(SIG_UNBLOCK, &usr2, &previousMask) == 0)
        defer { pthread_sigmask(SIG_SETMASK, &previousMask, nil) }

        let pipe = try PipePair()
        defer { pipe.closeBoth() }
        let reader = pthread_self()
        let reads = Counter()
        let sender = Thread {
            // Signal until the read has been retried at least once, then let it finish.
            let deadline = Date.now.addingTimeInterval(5)
            while reads.value.load(ordering: .acquiring) < 2, Date.now < deadline {
                pthread_kill(reader, SIGUSR2)
                usleep(20_000)
            }
            _ = write(pipe.write, "x", 1)
        }
        sender.start()
        var byte: UInt8 = 0
        let count = try systemCall("read") { () -> Int in
            reads.value.add(1, ordering: .releasing)
            return read(pipe.read, &byte, 1)
        }
        #expect(count == 1)
        #expect(byte == UInt8(ascii: "x"))
        #expect(reads.value.load(ordering: .relaxed) >= 2)
        #expect(signalsHandled.load(ordering: .relaxed) >= 1)
    }
}

private let signalsHandled = Atomic<Int>(0)

private final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
