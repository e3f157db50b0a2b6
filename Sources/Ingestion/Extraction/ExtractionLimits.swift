/// Bounds on one extraction. The runner passes them to the `extract` subprocess, which applies the
/// resource limits to itself (and so to the tools it starts) before touching the file.
public struct ExtractionLimits: Sendable {
    /// Wall-clock time for the whole extraction; past it the process group is killed.
    public var timeout: Duration = .seconds(60)
    /// RLIMIT_AS of the subprocess and of each tool it runs.
    public var memoryBytes: Int = 1 << 30
    /// RLIMIT_CPU of the subprocess and of each tool it runs.
    public var cpuSeconds: Int = 60
    /// Images with more pixels than this are refused from their header, before any decoding.
    public var maxPixels: Int = 40_000_000
    /// Text beyond this many UTF-8 bytes is cut, and `attributes["truncated"]` is `"true"`.
    public var maxOutputBytes: Int = 16 << 20

    public init() {}
}
