#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One schema change: a numbered SQL file from `db/migrations/`.
///
/// Files are named `NNNN_snake_case_name.sql` (four or more digits); versions order
/// numerically, so `0002` runs before `0010`.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String
    /// FNV-1a 64-bit hash of the file's bytes as 16 lowercase hex digits. It detects a file
    /// edited after it was applied; it is not a security measure, so a fast non-cryptographic
    /// hash is enough and keeps this module free of a crypto dependency.
    public var checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Self.checksum(of: Array(sql.utf8))
    }

    /// The canonical file name, e.g. `0002_create_users.sql` (versions padded to four digits).
    public var fileName: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name + ".sql"
    }

    /// Reads every migration in `directory`, ordered by version.
    ///
    /// Files not ending in `.sql` (a README) and hidden files are ignored; a `.sql` file with a
    /// malformed name, a duplicate version, or contents that are not UTF-8 is an error.
    public static func load(from directory: URL) throws -> [Migration] {
        let fileNames: [String]
        do {
            fileNames = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw DatabaseError(kind: .migration, message: "cannot list migrations in \(directory.path): \(error)")
        }
        var files: [String: String] = [:]
        for fileName in fileNames where isCandidate(fileName) {
            let url = directory.appendingPathComponent(fileName)
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            if attributes?[.type] as? FileAttributeType == .typeDirectory {
                continue
            }
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                throw DatabaseError(kind: .migration, message: "cannot read migration \(fileName): \(error)")
            }
            guard let contents = String(validating: data, as: UTF8.self) else {
                throw DatabaseError(kind: .migration, message: "migration \(fileName) is not valid UTF-8")
            }
            files[fileName] = contents
        }
        return try parse(files: files)
    }

    /// Parses a set of files (name → contents) into migrations ordered by version, ignoring
    /// files that are not migrations and rejecting duplicate versions.
    public static func parse(files: [String: String]) throws -> [Migration] {
        var byVersion: [Int: String] = [:]
        var migrations: [Migration] = []
        for (fileName, contents) in files {
            guard let migration = try parse(fileName: fileName, contents: contents) else { continue }
            if let existing = byVersion[migration.version] {
                let pair = [existing, fileName].sorted()
                throw DatabaseError(
                    kind: .migration,
                    message: "duplicate migration version \(migration.version): \(pair[0]) and \(pair[1])"
                )
            }
            byVersion[migration.version] = fileName
            migrations.append(migration)
        }
        return migrations.sorted { $0.version < $1.version }
    }

    /// Parses one file. Returns nil for files that are not migrations (not ending in `.sql`, or
    /// hidden); throws for a `.sql` file whose name does not match `NNNN_snake_case_name.sql`
    /// or that has no SQL in it.
    public static func parse(fileName: String, contents: String) throws -> Migration? {
        guard isCandidate(fileName) else { return nil }
        func invalid(_ reason: String) -> DatabaseError {
            DatabaseError(kind: .migration, message: "invalid migration file name \(fileName): \(reason)")
        }

        guard fileName.hasSuffix(".sql") else {
            throw invalid("the extension must be lowercase .sql")
        }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else {
            throw invalid("expected NNNN_name.sql")
        }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard digits.count >= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw invalid("the version needs four or more digits")
        }
        // Versions are stored in an INT column.
        guard let version = Int(digits), version <= Int(Int32.max) else {
            throw invalid("the version is too large")
        }
        let words = name.split(separator: "_", omittingEmptySubsequences: false)
        let isSnakeCase =
            !words.isEmpty
            && words.allSatisfy { word in
                !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
            }
        guard isSnakeCase else {
            throw invalid("the name must be snake_case (lowercase letters, digits, single underscores)")
        }
        guard name.count <= 200 else {
            throw invalid("the name is longer than 200 characters")
        }
        guard contents.contains(where: { !$0.isWhitespace }) else {
            throw DatabaseError(kind: .migration, message: "migration \(fileName) is empty")
        }
        return Migration(version: version, name: String(name), sql: contents)
    }

    /// FNV-1a, 64-bit: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
    static func checksum(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private static func isCandidate(_ fileName: String) -> Bool {
        fileName.lowercased().hasSuffix(".sql") && !fileName.hasPrefix(".")
    }
}
