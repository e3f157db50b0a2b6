import Crypto
import Foundation
import HTTP

/// Originals of uploaded files, content-addressed per organization: a file is stored once under its
/// organization and SHA-256 (`ORG/ab/cd/abcd…`), written to a temporary name and renamed, so a
/// reader never sees half a file. Organizations never share a file, so deleting one's original
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
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).partial")
        do {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: temporary)
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
        return relative
    }

    private static func isOutOfSpace(_ error: any Error) -> Bool {
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
