import ArgumentParser
import Foundation
import RateLimiter

struct BenchLimiter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-limiter",
        abstract: "Measure one rate-limiter check (lock, lookup, GCRA update) on this machine, in nanoseconds.")

    @Option(help: "Checks to time.") var iterations = 1_000_000
    @Option(help: "Distinct organizations, visited round robin.") var keys = 1_000

    func run() throws {
        guard iterations > 0, keys > 0 else { throw ValidationError("iterations and keys must be positive") }
        let nanoseconds = RateLimiterBenchmark.nanosecondsPerCheck(iterations: iterations, keys: keys)
        print("rate limiter: \(String(format: "%.1f", nanoseconds)) ns per check (\(iterations) checks, \(keys) organizations)")
    }
}
