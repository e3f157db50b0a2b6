import Foundation
import POSIXSystem
import Testing

@testable import ResponderPool

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ListenAddressTests {
    @Test func parsesTCPAddresses() throws {
        #expect(try ListenAddress.tcp("127.0.0.1:9000") == .tcp(host: "127.0.0.1", port: 9000))
        #expect(try ListenAddress.tcp("[::1]:9001") == .tcp(host: "::1", port: 9001))
        #expect(ListenAddress.tcp(host: "::1", port: 9001).description == "[::1]:9001")
        for bad in ["127.0.0.1", ":9000", "127.0.0.1:0", "127.0.0.1:70000", "host:port"] {
            #expect(throws: ListenerError.self) { try ListenAddress.tcp(bad) }
        }
    }

    @Test func unixListenerReplacesAStaleSocketButNotALiveOne() throws {
        let path = NSTemporaryDirectory() + "companin-listener-\(getpid()).sock"
        defer { unlink(path) }
        let first = try Listener(.unix(path: path, mode: 0o600))
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(throws: ListenerError.self) { _ = try Listener(.unix(path: path, mode: 0o600)) }
        first.close()
        // Tests run in parallel, and a test that forks without exec (the rate limiter's
        // multi-process tests) keeps a copy of this listening socket open until its children
        // exit; until then the socket is live, rightly. Give them a few seconds.
        var second: Listener?
        let deadline = Date.now.addingTimeInterval(15)
        while second == nil {
            do {
                second = try Listener(.unix(path: path, mode: 0o660))
            } catch ListenerError.addressInUse where Date.now < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        let replaced = try #require(second)
        replaced.withdraw()
        #expect(stat(path, &info) != 0)
    }

    @Test func tcpListenerBindsLoopback() throws {
        let listener = try Listener(.tcp(host: "127.0.0.1", port: UInt16.random(in: 40_000...60_000)))
        #expect(listener.descriptor >= 0)
    }
}

@Suite struct ScoreboardTests {
    @Test func slotsReportStageAndRequest() throws {
        let board = try Scoreboard.create(slots: 4)
        let slot = try #require(board.reserve(excluding: [0]))
        #expect(slot == 1)
        #expect(board.snapshot(slot).stage == .starting)

        board.claim(slot, pid: 4242)
        #expect(board.snapshot(slot).stage == .idle)
        #expect(board.snapshot(slot).pid == 4242)

        let before = monotonicNanoseconds()
        board.beginRequest(slot, summary: "GET /api/v1/assistants/")
        let busy = board.snapshot(slot)
        #expect(busy.stage == .busy)
        #expect(busy.request == "GET /api/v1/assistants/")
        #expect(busy.requestStartedAt >= before)

        board.endRequest(slot)
        let idle = board.snapshot(slot)
        #expect(idle.stage == .idle)
        #expect(idle.requestsServed == 1)
        #expect(idle.request == "")

        board.release(slot)
        #expect(board.snapshot(slot).stage == .free)
    }

    @Test func longRequestSummariesAreCut() throws {
        let board = try Scoreboard.create(slots: 1)
        board.claim(0, pid: 1)
        board.beginRequest(0, summary: "GET /" + String(repeating: "a", count: 1000))
        #expect(board.snapshot(0).request.utf8.count == Scoreboard.requestTextCapacity - 1)
    }

    @Test func aSecondMappingSeesTheSameSlots() throws {
        let board = try Scoreboard.create(slots: 2)
        let copy = dup(board.memory.descriptor)
        let attached = try Scoreboard.attach(descriptor: copy, slots: 2)
        attached.claim(1, pid: 7)
        attached.beginRequest(1, summary: "POST /x")
        #expect(board.snapshot(1).stage == .busy)
        #expect(board.snapshot(1).pid == 7)
    }
}

@Suite struct ChildrenTests {
    @Test func spawnedChildIsReapedWithItsStatus() throws {
        let pid = try Children.spawn(executable: "/bin/sh", arguments: ["-c", "exit 7"], descriptors: [0])
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        #expect(ProcessTermination(waitStatus: status).description == "exit code 7")
    }

    @Test func descriptorsArriveAtTheirPlacesEvenWhenTheyCrossOver() throws {
        // Two segments whose numbers are each other's targets: a naive dup2 order would clobber one.
        let first = try SharedMemory.create(size: 16)
        let second = try SharedMemory.create(size: 16)
        first.base.storeBytes(of: 0x11, as: UInt8.self)
        second.base.storeBytes(of: 0x22, as: UInt8.self)
        let script = "test \"$(od -An -tx1 -N1 <&3 | tr -d ' ')\" = 22 && test \"$(od -An -tx1 -N1 <&4 | tr -d ' ')\" = 11"
        let pid = try Children.spawn(
            executable: "/bin/sh", arguments: ["-c", script],
            descriptors: [0, nil, nil, second.descriptor, first.descriptor])
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        #expect(ProcessTermination(waitStatus: status).isClean)
    }
}

@Suite struct BackoffTests {
    @Test func doublesFromATenthOfASecondUpToTenSeconds() {
        let delays = (0...12).map { Master.backoff(afterConsecutiveCrashes: $0) / 1_000_000 }
        #expect(delays == [0, 100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000, 10_000, 10_000])
        #expect(Master.backoff(afterConsecutiveCrashes: 1000) == 10_000_000_000)
    }
}
