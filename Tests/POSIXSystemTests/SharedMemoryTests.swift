import POSIXSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SharedMemoryTests {
    @Test func anonymousMemoryIsSharedWithAForkedChild() throws {
        let memory = try SharedMemory.anonymous(size: 4096)
        #expect(memory.descriptor == -1)
        #expect(memory.base.load(fromByteOffset: 104, as: UInt64.self) == 0)
        memory.base.storeBytes(of: 1, toByteOffset: 0, as: UInt64.self)
        let pid = fork()
        if pid == 0 {
            // The child only touches the shared memory and leaves.
            let seen = memory.base.load(fromByteOffset: 0, as: UInt64.self)
            memory.base.storeBytes(of: seen + 0xC0FFEE, toByteOffset: 104, as: UInt64.self)
            _exit(0)
        }
        try #require(pid > 0)
        #expect(try waitForExit(pid) == .exited(0))
        #expect(memory.base.load(fromByteOffset: 104, as: UInt64.self) == 0xC0FFEF)
    }

    @Test func anObjectIsSharedWithAProgramThatInheritsItsDescriptor() throws {
        let memory = try SharedMemory.create(size: 64)
        #expect(memory.descriptor >= 0)
        #expect(memory.size == 64)
        #expect(fcntl(memory.descriptor, F_GETFD) & FD_CLOEXEC != 0)
        let pid = try ProcessSpawner(
            executable: "/bin/sh", arguments: ["-c", "printf pong >&3"], descriptors: [3: .duplicate(memory.descriptor)]
        ).spawn()
        #expect(try waitForExit(pid) == .exited(0))
        let written = UnsafeRawBufferPointer(start: memory.base, count: 5)
        #expect(Array(written) == Array("pong\0".utf8))
    }

    @Test func aSecondMappingOfTheDescriptorSeesTheSameBytes() throws {
        let memory = try SharedMemory.create(size: 4096)
        let attached = try SharedMemory(descriptor: dup(memory.descriptor), size: 4096)
        #expect(attached.base != memory.base)
        attached.base.storeBytes(of: 0x1234_5678, toByteOffset: 4088, as: UInt64.self)
        #expect(memory.base.load(fromByteOffset: 4088, as: UInt64.self) == 0x1234_5678)
    }

    @Test func attachingChecksTheDescriptorAndTheSize() throws {
        let memory = try SharedMemory.create(size: 64)
        let copy = dup(memory.descriptor)
        defer { close(copy) }
        #expect(throws: SystemError("shared memory segment too small", errno: EINVAL)) {
            try SharedMemory(descriptor: copy, size: 65)
        }
        #expect(throws: SystemError("fstat", errno: EBADF)) { try SharedMemory(descriptor: -1, size: 64) }
    }
}
