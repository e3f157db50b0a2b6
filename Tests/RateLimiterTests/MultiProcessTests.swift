import POSIXSystem
import Synchronization
import Testing

@testable import RateLimiter

#if canImport(Glibc)
    import Glibc
#endif

/// A page of anonymous shared memory the parent and its forked children exchange words through.
final class SharedWords {
    let memory: SharedMemory
    let base: UnsafeMutablePointer<Atomic<Int>>

    init(count: Int) throws {
        memory = try SharedMemory.anonymous(size: count * MemoryLayout<Atomic<Int>>.stride)
        base = memory.base.bindMemory(to: Atomic<Int>.self, capacity: count)
    }

    func load(_ index: Int) -> Int { base[index].load(ordering: .acquiring) }
    func store(_ index: Int, _ value: Int) { base[index].store(value, ordering: .releasing) }
}

/// Waits for `pid` without blocking forever: polls `waitpid(WNOHANG)` until `timeout`, then kills
/// the child and returns nil. Otherwise returns the child's exit code (or 128 + signal).
func waitForExit(_ pid: pid_t, timeout: Int64 = 20 * second) -> Int32? {
    let deadline = RateLimiter.now() + timeout
    var status: Int32 = 0
    while RateLimiter.now() < deadline {
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            let signal = status & 0x7f
            return signal == 0 ? (status >> 8) & 0xff : 128 + signal
        }
        if result < 0 && errno != EINTR { return -1 }
        usleep(1_000)
    }
    kill(pid, SIGKILL)
    waitpid(pid, &status, 0)
    return nil
}

/// Forks, tests across processes; children only call the limiter, touch shared words and `_exit`.
@Suite("Across processes", .serialized)
struct MultiProcessTests {
    @Test("six processes hammering one key admit exactly the limit")
    func exactAcrossProcesses() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 256)
        let key = RateLimitKey(high: 0xFEED, low: 0xBEEF)
        let other = RateLimitKey(high: 1, low: 2)
        let children = 6
        let attempts = 2000
        let words = try SharedWords(count: children + 1)  // [0] = start flag, [1...] = admissions
        _ = limiter.check(other, limit: 1000, now: t0)  // warm up before forking

        var pids: [pid_t] = []
        for child in 1...children {
            let pid = fork()
            if pid == 0 {
                while words.load(0) == 0 { sched_yield() }
                var admitted = 0
                for _ in 0..<attempts where limiter.check(key, limit: 1000, now: t0).allowed {
                    admitted += 1
                }
                words.store(child, admitted)
                _exit(0)
            }
            try #require(pid > 0)
            pids.append(pid)
        }
        words.store(0, 1)
        for pid in pids {
            #expect(waitForExit(pid) == 0)
        }
        let counts = (1...children).map { words.load($0) }
        #expect(counts.reduce(0, +) == 1000, "admissions per child: \(counts)")
        #expect(limiter.peek(key, limit: 1000, now: t0).remaining == 0)
        #expect(limiter.statistics == RateLimiter.Statistics(capacity: 256, used: 2, evictions: 0, recoveredLocks: 0))
    }

    @Test("a process killed while holding the lock does not wedge the others")
    func killedHolder() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        let key = RateLimitKey(high: 7, low: 7)
        let words = try SharedWords(count: 1)  // [0] = the holder has the lock
        #expect(limiter.check(key, limit: 10, now: t0).remaining == 9)

        let holder = fork()
        if holder == 0 {
            limiter.withLockForTesting {
                words.store(0, 1)
                while true { pause() }
            }
            _exit(0)
        }
        try #require(holder > 0)
        let deadline = RateLimiter.now() + 20 * second
        while words.load(0) == 0 && RateLimiter.now() < deadline { usleep(1_000) }
        let locked = words.load(0) == 1
        kill(holder, SIGKILL)
        var status: Int32 = 0
        waitpid(holder, &status, 0)
        try #require(locked, "the holder never took the lock")

        // Another process recovers the lock first, so a regression times out here instead of
        // hanging the test process.
        let checker = fork()
        if checker == 0 {
            let decision = limiter.check(key, limit: 10, now: t0)
            _exit(decision.allowed && decision.remaining == 8 ? 0 : 1)
        }
        try #require(checker > 0)
        let exit = waitForExit(checker)
        try #require(exit == 0, "the checker after the kill exited with \(String(describing: exit))")

        #expect(limiter.check(key, limit: 10, now: t0).remaining == 7)
        #expect(limiter.statistics.recoveredLocks == 1)
        #expect(limiter.statistics.used == 1)
    }

    @Test("the benchmark returns a positive, finite figure")
    func benchmark() {
        let nanoseconds = RateLimiterBenchmark.nanosecondsPerCheck(iterations: 2_000, keys: 10)
        #expect(nanoseconds > 0)
        #expect(nanoseconds.isFinite)
    }
}
