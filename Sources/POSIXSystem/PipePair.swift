#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Both ends of a pipe, close-on-exec, so an end reaches a spawned program only where it is
/// duplicated onto one of the program's descriptors.
public struct PipePair: Sendable {
    public let read: Int32
    public let write: Int32

    public init() throws(SystemError) {
        var ends: [Int32] = [-1, -1]
        if let pipe2 = GlibcExtras.pipe2 {
            try systemCall("pipe2") { pipe2(&ends, O_CLOEXEC) }
        } else {
            // Without pipe2 another thread's spawn may inherit these ends until the fcntl; a spawn
            // that closes other descriptors still keeps them out of its program.
            try systemCall("pipe") { pipe(&ends) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        read = ends[0]
        write = ends[1]
    }

    public func closeBoth() {
        close(read)
        close(write)
    }
}
