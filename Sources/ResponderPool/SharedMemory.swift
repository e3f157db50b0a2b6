#if canImport(Glibc)
    import Glibc
#endif

/// An anonymous shared-memory segment that survives `exec`: created by the master with
/// `shm_open` (and unlinked at once, so nothing is left in /dev/shm), handed to each child as an
/// inherited descriptor, and mapped by the child.
public final class SharedMemory {
    public let descriptor: Int32
    public let size: Int
    /// Where the segment is mapped in this process; valid while this object lives.
    public let base: UnsafeMutableRawPointer

    /// Creates a zero-filled segment of `size` bytes.
    public static func create(size: Int) throws -> SharedMemory {
        var fd: Int32 = -1
        for attempt in 0..<16 {
            let name = "/companin-\(getpid())-\(attempt)-\(UInt32.random(in: 0...UInt32.max))"
            fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                shm_unlink(name)
                break
            }
            if errno != EEXIST { throw SystemError("shm_open") }
        }
        guard fd >= 0 else { throw SystemError("shm_open", errno: EEXIST) }
        do {
            try systemCall("ftruncate") { ftruncate(fd, off_t(size)) }
            return try SharedMemory(descriptor: fd, size: size)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Maps a segment inherited from the master.
    public init(descriptor: Int32, size: Int) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemError("fstat") }
        guard Int(info.st_size) >= size else { throw SystemError("shared memory segment too small", errno: EINVAL) }
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            throw SystemError("mmap")
        }
        self.descriptor = descriptor
        self.size = size
        self.base = mapped
    }

    deinit {
        munmap(base, size)
        close(descriptor)
    }
}

/// Nanoseconds on the monotonic clock, comparable across processes on one host.
public func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
