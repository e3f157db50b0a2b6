import Logging

/// Applies migrations in version order and records them in `schema_migrations`.
///
/// Each migration runs as START TRANSACTION, the file's statements, the INSERT recording it,
/// COMMIT. MariaDB commits implicitly before and after every DDL statement (CREATE, ALTER,
/// DROP …), so a file containing DDL is not atomic: if its third statement fails, the first
/// two stay applied and the migration is not recorded. Keep DDL migrations small, and make
/// their statements safe to re-run (`IF NOT EXISTS`) where MariaDB allows it.
///
/// A named lock (`GET_LOCK`) serialises migrators, so two processes starting together cannot
/// apply the same file twice. A recorded migration whose file has changed is an error, never
/// re-run.
public struct Migrator {
    public static let defaultTableName = "schema_migrations"
    /// Server-wide name of the lock held while applying.
    public static let lockName = "companin_migrate"
    /// Seconds to wait for another migrator to finish.
    static let lockTimeoutSeconds: Int64 = 60

    private let connection: Connection
    private let logger: Logger
    private let tableName: String

    /// - Parameter tableName: where applied migrations are recorded; only tests need another
    ///   name than `schema_migrations`. Must be a plain identifier (letters, digits, `_`).
    public init(connection: Connection, logger: Logger, tableName: String = Migrator.defaultTableName) {
        precondition(
            !tableName.isEmpty && tableName.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") },
            "the migrations table name must be a plain identifier"
        )
        self.connection = connection
        self.logger = logger
        self.tableName = tableName
    }

    /// The migrations not yet applied, in version order. Throws a `.migration` error when an
    /// applied migration's file has changed, or when two migrations share a version.
    public func pending(_ migrations: [Migration]) throws -> [Migration] {
        try pending(migrations, recorded: recordedMigrations())
    }

    /// Applies every pending migration in version order and returns those applied; an empty
    /// result means the schema was already up to date.
    @discardableResult
    public func apply(_ migrations: [Migration]) throws -> [Migration] {
        try Self.checkUniqueVersions(migrations)
        try connection.execute(sql: createTableSQL)
        try acquireLock()
        // The lock belongs to the session: if the connection is replaced, it is gone.
        let session = connection.generation
        defer { releaseLock(session: session) }

        let recorded = try recordedMigrations()
        let toApply = try pending(migrations, recorded: recorded)
        let known = Set(migrations.map(\.version))
        for version in recorded.keys.sorted() where !known.contains(version) {
            logger.warning(
                "applied migration has no file; is this build older than the database?",
                metadata: [
                    "migration.version": "\(version)"
                ])
        }

        var applied: [Migration] = []
        for migration in toApply {
            logger.info("applying migration", metadata: ["migration": "\(migration.fileName)"])
            let start = ContinuousClock.now
            do {
                try connection.transaction {
                    guard connection.generation == session else {
                        throw DatabaseError(
                            kind: .migration,
                            message: "the connection was re-established, so the migration lock was lost; run the migration again"
                        )
                    }
                    try connection.executeScript(migration.sql)
                    let elapsed = ContinuousClock.now - start
                    try connection.execute(
                        sql:
                            "INSERT INTO `\(tableName)` (version, name, checksum, applied_at, execution_ms) VALUES (?, ?, ?, UTC_TIMESTAMP(6), ?)",
                        [
                            .int(Int64(migration.version)), .text(migration.name), .text(migration.checksum),
                            .int(Self.milliseconds(elapsed)),
                        ]
                    )
                }
            } catch let error as DatabaseError {
                throw DatabaseError(
                    kind: .migration, code: error.code, sqlState: error.sqlState,
                    message: "migration \(migration.fileName) failed: \(error.message)", sql: error.sql
                )
            }
            logger.info(
                "applied migration",
                metadata: [
                    "migration": "\(migration.fileName)",
                    "migration.duration_ms": "\(Self.milliseconds(ContinuousClock.now - start))",
                ])
            applied.append(migration)
        }
        if applied.isEmpty {
            logger.info("database schema is up to date", metadata: ["migration.count": "\(recorded.count)"])
        }
        return applied
    }

    // MARK: - Internals

    private struct Recorded {
        var name: String
        var checksum: String
    }

    private var createTableSQL: String {
        """
        CREATE TABLE IF NOT EXISTS `\(tableName)` (
          version INT NOT NULL COMMENT 'Version number from the migration file name (NNNN_name.sql)',
          name VARCHAR(200) NOT NULL COMMENT 'Name part of the migration file name',
          checksum CHAR(16) NOT NULL COMMENT 'FNV-1a 64-bit hash of the file in hex; detects edits after applying',
          applied_at DATETIME(6) NOT NULL COMMENT 'When the migration was applied (UTC)',
          execution_ms INT NOT NULL COMMENT 'How long applying took, in milliseconds',
          PRIMARY KEY (version)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
          COMMENT='Schema migrations applied to this database, one row per file in db/migrations'
        """
    }

    private func pending(_ migrations: [Migration], recorded: [Int: Recorded]) throws -> [Migration] {
        try Self.checkUniqueVersions(migrations)
        for migration in migrations {
            guard let applied = recorded[migration.version], applied.checksum != migration.checksum else { continue }
            throw DatabaseError(
                kind: .migration,
                message: "migration \(migration.fileName) (version \(migration.version)) was changed after it was applied "
                    + "(recorded checksum \(applied.checksum), file checksum \(migration.checksum)); "
                    + "restore the file and put the change in a new migration"
            )
        }
        return migrations.filter { recorded[$0.version] == nil }.sorted { $0.version < $1.version }
    }

    private func recordedMigrations() throws -> [Int: Recorded] {
        let rows: [Row]
        do {
            rows = try connection.query(sql: "SELECT version, name, checksum FROM `\(tableName)`")
        } catch let error as DatabaseError where error.code == 1146 {  // ER_NO_SUCH_TABLE: nothing applied yet
            return [:]
        }
        var recorded: [Int: Recorded] = [:]
        for row in rows {
            recorded[try row.decode(Int.self, "version")] = Recorded(
                name: try row.decode(String.self, "name"), checksum: try row.decode(String.self, "checksum")
            )
        }
        return recorded
    }

    private func acquireLock() throws {
        let rows = try connection.query(sql: "SELECT GET_LOCK(?, ?) AS acquired", [.text(Self.lockName), .int(Self.lockTimeoutSeconds)])
        guard let row = rows.first, try row.decode(Int?.self, "acquired") == 1 else {
            throw DatabaseError(
                kind: .migration,
                message:
                    "another migrator held the lock '\(Self.lockName)' for \(Self.lockTimeoutSeconds) seconds; try again when it has finished"
            )
        }
    }

    private func releaseLock(session: Int) {
        guard connection.generation == session, connection.isConnected else { return }
        do {
            _ = try connection.query(sql: "SELECT RELEASE_LOCK(?)", [.text(Self.lockName)])
        } catch {
            // The lock is released anyway when the session ends.
            logger.warning("could not release the migration lock", metadata: ["db.error": "\(error)"])
        }
    }

    private static func checkUniqueVersions(_ migrations: [Migration]) throws {
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw DatabaseError(kind: .migration, message: "duplicate migration version \(migration.version)")
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
