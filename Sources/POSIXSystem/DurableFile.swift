#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files that are on the disk, not only in the page cache, when the call returns: written,
/// `fsync`ed, and their directory entries `fsync`ed too — what a `2xx` for an upload promises on a
/// local disk or a shared file system alike.
public enum DurableFile {
    /// Creates `path` (it must not exist) with `bytes`, synced to the disk. A failed write removes it.
    public static func create(_ path: String, bytes: [UInt8], permissions: mode_t = 0o640) throws(SystemError) {
        let descriptor = try systemCall("open \(path)") { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions) }
        var isOpen = true
        do throws(SystemError) {
            var offset = 0
            while offset < bytes.count {
                // `withUnsafeBytes` rethrows untyped errors: the call's outcome comes out as a `Result`.
                let written = bytes.withUnsafeBytes { buffer in
                    Result { () throws(SystemError) -> Int in
                        try systemCall("write \(path)") { write(descriptor, buffer.baseAddress! + offset, buffer.count - offset) }
                    }
                }
                offset += try written.get()
            }
            try systemCall("fsync \(path)") { fsync(descriptor) }
            isOpen = false
            // A failed close may still have lost written data (NFS reports errors there): refuse.
            try systemCall("close \(path)") { close(descriptor) }
        } catch {
            if isOpen { close(descriptor) }
            unlink(path)
            throw error
        }
    }

    /// Syncs a directory, so the entries created or renamed in it are on the disk.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        let descriptor = try systemCall("open \(path)") { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(descriptor) }
        try systemCall("fsync \(path)") { fsync(descriptor) }
    }
}
