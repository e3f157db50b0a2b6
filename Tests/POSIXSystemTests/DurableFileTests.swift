import Foundation
import POSIXSystem
import Testing

@Suite struct DurableFileTests {
    @Test func createsOnceWithItsBytesAndSyncsDirectories() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("blob").path
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try DurableFile.create(path, bytes: bytes)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
        // O_EXCL: an existing file is never overwritten.
        #expect(throws: SystemError.self) { try DurableFile.create(path, bytes: [1]) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
        try DurableFile.syncDirectory(directory.path)
        #expect(throws: SystemError.self) { try DurableFile.syncDirectory(directory.appendingPathComponent("none").path) }
    }

    @Test func aFailedCreateLeavesNoFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A name whose directory does not exist: the open fails and nothing is left behind.
        let missingParent = directory.appendingPathComponent("no/such/dir/blob").path
        #expect(throws: SystemError.self) { try DurableFile.create(missingParent, bytes: [1, 2, 3]) }
        #expect(!FileManager.default.fileExists(atPath: missingParent))
    }
}
