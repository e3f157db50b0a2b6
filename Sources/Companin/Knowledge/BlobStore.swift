import Crypto
import Foundation
import HTTP
import POSIXSystem

/// Originals of uploaded files, content-addressed per organization: a file is stored once under its
/// organization and SHA-256 (`ORG/ab/cd/abcd…`), written to a temporary name, synced and renamed, so
/// a reader never sees half a file and a stored file survives a crash of the host. Organizations never share a file, so deleting one's original
/// depends on that organization's records alone.
public struct BlobStore: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The path relative to the directory, as the database keeps it.
    static func relativePath(sha256: [UInt8], organizationID: UUID) -> String {
        let hex = hex(sha256)
        return "\(organizationID.uuidString.lowercased())/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex)"
    }

    func url(for relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    /// Stores the bytes unless a blob with the same hash is already there; returns the relative path.
    /// A full disk is `507` and leaves no partial file behind.
    func store(_ bytes: [UInt8], sha256: [UInt8], organizationID: UUID) throws -> String {
        let relative = Self.relativePath(sha256: sha256, organizationID: organizationID)
        let target = url(for: relative)
        if FileManager.default.fileExists(atPath: target.path) { return relative }
        let parent = target.deletingLastPathComponent()
        let temporary = parent.appendingPathComponent(".\(UUID().uuidString).partial")
        // The directories this call creates must reach the disk as well as the file.
        var created: [URL] = []
        var missing = parent
        while !FileManager.default.fileExists(atPath: missing.path), missing.path.count > directory.path.count {
            created.append(missing)
            missing = missing.deletingLastPathComponent()
        }
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            try DurableFile.create(temporary.path, bytes: bytes)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if Self.isOutOfSpace(error) {
                throw HTTPError(
                    .insufficientStorage, detail: "The file could not be stored: storage is full",
                    headers: ["Retry-After": "60"])
            }
            throw error
        }
        if rename(temporary.path, target.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
        }
        // The new name in its directory, and each created directory in its parent, before any 2xx.
        try DurableFile.syncDirectory(parent.path)
        for directory in created { try DurableFile.syncDirectory(directory.deletingLastPathComponent().path) }
        return relative
    }

    private static func isOutOfSpace(_ error: any Error) -> Bool {
        if let error = error as? SystemError { return error.errno == ENOSPC || error.errno == EDQUOT }
        if let error = error as? CocoaError, error.code == .fileWriteOutOfSpace { return true }
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        return [error as NSError, underlying].contains { error in
            error?.domain == NSPOSIXErrorDomain && (error?.code == Int(ENOSPC) || error?.code == Int(EDQUOT))
        }
    }

    func read(_ relativePath: String) throws -> Data {
        try Data(contentsOf: url(for: relativePath))
    }

    func remove(_ relativePath: String) {
        try? FileManager.default.removeItem(at: url(for: relativePath))
    }
}
