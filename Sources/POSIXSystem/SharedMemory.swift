#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Memory several processes read and write, mapped `MAP_SHARED` in this one and unmapped (its
/// descriptor closed) when this object goes away. Two kinds:
///
/// - `create(size:)`: a POSIX shared-memory object, unlinked at once so nothing is left in
///   /dev/shm, whose descriptor a child inherits across `exec` and maps with `init(descriptor:size:)`
///   (the pool's scoreboard and rate limiter table);
/// - `anonymous(size:)`: no descriptor at all, shared only with children forked after it is made
///   (a rate limiter of a responder running alone, and tests).
public final class SharedMemory {
    /// The shared-memory object's descriptor, close-on-exec; -1 for an anonymous mapping.
    public let descriptor: Int32
    public let size: Int
    /// Where the memory is mapped in this process, page-aligned; valid while this object lives.
    public let base: UnsafeMutableRawPointer

    /// Creates a zero-filled shared-memory object of `size` bytes and maps it.
    public static func create(size: Int) throws(SystemError) -> SharedMemory {
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

    /// Maps the first `size` bytes of a shared-memory object inherited from another process,
    /// checking that it is that large. Takes ownership of `descriptor` only when it succeeds.
    public init(descriptor: Int32, size: Int) throws(SystemError) {
        var info = stat()
        try systemCall("fstat") { fstat(descriptor, &info) }
        guard Int(info.st_size) >= size else { throw SystemError("shared memory segment too small", errno: EINVAL) }
        self.base = try Self.map(size: size, flags: MAP_SHARED, descriptor: descriptor)
        self.descriptor = descriptor
        self.size = size
    }

    /// Maps the object behind `descriptor` through a duplicate of it, leaving `descriptor` to its
    /// owner: a second mapping of a segment this process already holds (for another thread).
    public convenience init(duplicating descriptor: Int32, size: Int) throws(SystemError) {
        let copy = dup(descriptor)
        guard copy >= 0 else { throw SystemError("dup") }
        do {
            try self.init(descriptor: copy, size: size)
        } catch {
            close(copy)
            throw error
        }
    }

    /// Maps `size` zero-filled bytes shared with the children this process forks afterwards.
    public static func anonymous(size: Int) throws(SystemError) -> SharedMemory {
        SharedMemory(base: try map(size: size, flags: MAP_SHARED | MAP_ANONYMOUS, descriptor: -1), size: size)
    }

    private init(base: UnsafeMutableRawPointer, size: Int) {
        self.base = base
        self.size = size
        self.descriptor = -1
    }

    private static func map(size: Int, flags: Int32, descriptor: Int32) throws(SystemError) -> UnsafeMutableRawPointer {
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, flags, descriptor, 0), mapped != MAP_FAILED else {
            throw SystemError("mmap")
        }
        return mapped
    }

    deinit {
        munmap(base, size)
        if descriptor >= 0 { close(descriptor) }
    }
}
