import Foundation
import POSIXSystem
import Testing

@testable import RateLimiter

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Shared table")
struct RateLimiterTableTests {
    let a = RateLimitKey(high: 1, low: 1)
    let b = RateLimitKey(high: 2, low: 2)

    @Test("two keys are independent")
    func independentKeys() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        for _ in 0..<10 { _ = limiter.check(a, limit: 10, now: t0) }
        #expect(!limiter.check(a, limit: 10, now: t0).allowed)
        let first = limiter.check(b, limit: 10, now: t0)
        #expect(first.allowed)
        #expect(first.remaining == 9)
        #expect(limiter.statistics == RateLimiter.Statistics(capacity: 64, used: 2, evictions: 0, recoveredLocks: 0))
    }

    @Test("a new key in a full window evicts the least recently seen bucket")
    func eviction() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 4)
        #expect(limiter.table.window == 4)
        let keys = (0..<6).map { RateLimitKey(high: UInt64($0) &* 0x1234_5678_9ABC, low: UInt64($0)) }
        // Four keys, each leaving an unrefilled bucket; key 0 seen first, key 1 checked again last.
        for index in 0..<4 {
            #expect(limiter.check(keys[index], limit: 100, now: t0 + Int64(index)).evicted == nil)
        }
        _ = limiter.check(keys[0], limit: 100, now: t0 + 10)
        #expect(limiter.statistics.used == 4)

        let fifth = limiter.check(keys[4], limit: 100, now: t0 + 20)
        #expect(fifth.allowed)
        #expect(fifth.remaining == 99)
        #expect(fifth.evicted == keys[1])
        #expect(limiter.statistics == RateLimiter.Statistics(capacity: 4, used: 4, evictions: 1, recoveredLocks: 0))

        // The evicted key comes back with a fresh bucket (evicting the next oldest, key 2).
        let back = limiter.check(keys[1], limit: 100, now: t0 + 30)
        #expect(back.remaining == 99)
        #expect(back.evicted == keys[2])
        // Key 0 kept its state: two used.
        #expect(limiter.peek(keys[0], limit: 100, now: t0 + 30).remaining == 98)
        #expect(limiter.statistics.evictions == 2)
    }

    @Test("refilled buckets are reclaimed without an eviction")
    func refilledReuse() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 4)
        let keys = (0..<8).map { RateLimitKey(high: 0xABC, low: UInt64($0)) }
        for index in 0..<4 { _ = limiter.check(keys[index], limit: 100, now: t0) }
        // Key 2 spends more and is still refilling 100 s later; the others are full again.
        for _ in 0..<50 { _ = limiter.check(keys[2], limit: 100, now: t0 + 1) }
        let t1 = t0 + 100 * second
        for index in 4..<7 {
            let decision = limiter.check(keys[index], limit: 100, now: t1)
            #expect(decision.allowed)
            #expect(decision.evicted == nil)
        }
        #expect(limiter.statistics.evictions == 0)
        #expect(limiter.peek(keys[2], limit: 100, now: t1).remaining == 51)
        // Now every bucket is refilling: the next new key evicts the least recently seen, key 2.
        let eighth = limiter.check(keys[7], limit: 100, now: t1 + 1)
        #expect(eighth.evicted == keys[2])
        #expect(limiter.statistics.evictions == 1)
    }

    @Test("peek does not consume and reports a missing key as full")
    func peek() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 16)
        #expect(
            limiter.peek(a, limit: 100, now: t0)
                == RateLimitDecision(
                    allowed: true, limit: 100, remaining: 100, resetAfter: 0, retryAfter: 0))
        #expect(limiter.statistics.used == 0)
        for _ in 0..<10 { _ = limiter.check(a, limit: 100, now: t0) }
        for _ in 0..<5 {
            #expect(
                limiter.peek(a, limit: 100, now: t0)
                    == RateLimitDecision(
                        allowed: true, limit: 100, remaining: 90, resetAfter: 360 * second, retryAfter: 0))
        }
        #expect(limiter.check(a, limit: 100, now: t0).remaining == 89)
        for _ in 0..<89 { _ = limiter.check(a, limit: 100, now: t0) }
        #expect(
            limiter.peek(a, limit: 100, now: t0)
                == RateLimitDecision(
                    allowed: false, limit: 100, remaining: 0, resetAfter: hour, retryAfter: 36 * second))
        #expect(limiter.peek(a, limit: 0, now: t0).limit == 0)
    }

    @Test("a limit of zero does not take a slot")
    func zeroLimitTakesNoSlot() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 4)
        #expect(!limiter.check(a, limit: 0, now: t0).allowed)
        #expect(limiter.statistics.used == 0)
    }

    @Test("a second limiter attached to the same memory shares the buckets")
    func attach() throws {
        let size = RateLimiter.segmentSize(capacity: 100)
        #expect(size == 128 + 100 * 128)
        let mapping = try SharedMemory.anonymous(size: size)
        defer { withExtendedLifetime(mapping) {} }
        let memory = mapping.base
        #expect(throws: RateLimiterError.self) { try RateLimiter.attach(to: memory, size: size) }
        let master = try RateLimiter.create(in: memory, size: size, capacity: 100)
        let responder = try RateLimiter.attach(to: memory, size: size)
        #expect(responder.capacity == 100)
        for _ in 0..<3 { _ = master.check(a, limit: 5, now: t0) }
        #expect(responder.check(a, limit: 5, now: t0).remaining == 1)
        #expect(master.check(a, limit: 5, now: t0).remaining == 0)
        #expect(!responder.check(a, limit: 5, now: t0).allowed)
        #expect(master.statistics.used == 1)
    }

    @Test("bad sizes, capacities and memory are refused")
    func errors() throws {
        let size = RateLimiter.segmentSize(capacity: 10)
        let mapping = try SharedMemory.anonymous(size: size)
        defer { withExtendedLifetime(mapping) {} }
        let memory = mapping.base
        func code(_ body: () throws -> RateLimiter) -> RateLimiterError.Code? {
            do {
                _ = try body()
                return nil
            } catch let error as RateLimiterError { return error.code } catch { return nil }
        }
        #expect(code { try RateLimiter.create(in: memory, size: size, capacity: 0) } == .invalidCapacity)
        #expect(code { try RateLimiter.create(in: memory, size: size - 1, capacity: 10) } == .segmentTooSmall)
        #expect(code { try RateLimiter.create(in: memory + 4, size: size - 4, capacity: 1) } == .misaligned)
        #expect(code { try RateLimiter.attach(to: memory, size: size) } == .notATable)
        _ = try RateLimiter.create(in: memory, size: size, capacity: 10)
        #expect(code { try RateLimiter.attach(to: memory, size: size - 1) } == .segmentTooSmall)
        #expect(code { try RateLimiter.attach(to: memory, size: 16) } == .segmentTooSmall)
        #expect(code { try RateLimiter.makePrivate(capacity: -1) } == .invalidCapacity)
    }

    @Test("keys from UUIDs keep their bytes in order")
    func uuidKeys() throws {
        let uuid = try #require(UUID(uuidString: "00112233-4455-6677-8899-AABBCCDDEEFF"))
        let key = RateLimitKey(uuid: uuid)
        #expect(key == RateLimitKey(high: 0x0011_2233_4455_6677, low: 0x8899_AABB_CCDD_EEFF))
        #expect(key.description == "00112233-4455-6677-8899-aabbccddeeff")
    }

    @Test("many keys spread over a table without evictions")
    func spread() throws {
        // Fixed pseudo-random keys (SplitMix64), so the outcome does not depend on luck: at a load
        // of one quarter no 32-slot window overflows for these keys.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let limiter = try RateLimiter.makePrivate(capacity: 4000)
        for index in 0..<1000 {
            let key = RateLimitKey(high: next(), low: next())
            #expect(limiter.check(key, limit: 100, now: t0 + Int64(index)).evicted == nil)
        }
        #expect(limiter.statistics.used == 1000)
        #expect(limiter.statistics.evictions == 0)
    }
}
