#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// glibc functions and constants the Swift Glibc module does not import (they are declared only
/// under `_GNU_SOURCE`), the functions looked up once by name; nil on a C library without them.
enum GlibcExtras {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    /// `prctl` is variadic in C, so Swift does not import it; its integer arguments are passed as
    /// five unsigned longs, as the kernel reads them.
    typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2").map { unsafeBitCast($0, to: Pipe2.self) }
    static let addCloseFrom: AddCloseFrom? =
        symbol("posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
    static let prctl: Prctl? = symbol("prctl").map { unsafeBitCast($0, to: Prctl.self) }

    /// `POSIX_SPAWN_SETSID` (glibc 2.26 and later; the macOS value differs).
    #if canImport(Darwin)
        static let spawnSetSID = Int32(POSIX_SPAWN_SETSID)
    #else
        static let spawnSetSID: Int32 = 0x80
    #endif

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(dlopen(nil, RTLD_NOW), name)
    }
}
