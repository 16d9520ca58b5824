import DokuenCore
import DokuenPosix
import Testing

@testable import DokuenStore

/// The SQLite wrapper and the connection settings every store relies on.
@Suite(.timeLimit(.minutes(2))) struct DatabaseTests {
    @Test func walIsOnAndTheWALFileExistsAfterAWrite() async throws {
        try await withStore { store, path in
            try await store.createApp(appName("blog"), actor: "alice")
            let mode = try withRawDatabase(path) { try scalar($0, "PRAGMA journal_mode") }
            #expect(mode == .text("wal"))
            #expect(try Posix.lstat(path + "-wal") != nil)
        }
    }

    @Test func foreignKeysAreOnInEveryConnection() async throws {
        try await withStore { _, path in
            #expect(try withRawDatabase(path) { try scalar($0, "PRAGMA foreign_keys") } == .integer(1))
            #expect(try withRawDatabase(path) { try scalar($0, "PRAGMA synchronous") } == .integer(2))  // FULL
            let failure = try withRawDatabase(path) { database in
                sqliteFailure {
                    try database.run(
                        "INSERT INTO builds (app_id, stamp, created_at) VALUES (42, '20260101T000000.000000Z', 0)")
                }
            }
            #expect(failure?.extendedCode == SQLiteFailure.constraintForeignKey)
        }
    }

    @Test func theDatabaseAndItsWALAreReadableByTheOwnerOnly() async throws {
        try await withStore { store, path in
            try await store.createApp(appName("blog"), actor: "alice")
            for file in [path, path + "-wal"] {
                let mode = try #require(try Posix.lstat(file)).permissions & 0o777
                #expect(mode == 0o600, "\(file)")
            }
        }
    }

    @Test func aFailedStatementCarriesItsSQLAndSQLitesMessage() async throws {
        try await withStore { _, path in
            let sql = "INSERT INTO apps (name, created_at) VALUES (?, ?)"
            let failure = try withRawDatabase(path) { database in
                sqliteFailure { try database.run(sql, [.text("Blog"), .integer(0)]) }
            }
            let unwrapped = try #require(failure)
            #expect(unwrapped.sql == sql)
            #expect(unwrapped.code == 19)
            #expect(unwrapped.extendedCode == SQLiteFailure.constraintCheck)
            #expect(unwrapped.message.hasPrefix("CHECK constraint failed"))
            #expect(
                StoreError.sql(unwrapped).description
                    == "unable to run SQL \"\(sql)\": \(unwrapped.message) (code 19)")
        }
    }

    @Test func aSyntaxErrorCarriesItsSQL() async throws {
        try await withStore { _, path in
            let failure = try withRawDatabase(path) { database in sqliteFailure { _ = try database.query("SELEC 1") } }
            #expect(failure?.sql == "SELEC 1")
            #expect(failure?.code == 1)
            #expect(failure?.message.contains("syntax error") == true)
        }
    }

    @Test func aScriptErrorNamesTheOneStatementThatFailed() async throws {
        try await withStore { _, path in
            let failure = try withRawDatabase(path) { database in
                sqliteFailure {
                    try database.execute(
                        """
                        CREATE TEMP TABLE numbers (n INTEGER) STRICT;
                        INSERT INTO numbers VALUES (1);
                        INSERT INTO numbers VALUES ('one');
                        INSERT INTO numbers VALUES (3);
                        """)
                }
            }
            #expect(failure?.sql == "INSERT INTO numbers VALUES ('one');")
        }
    }

    @Test func aParameterCountMismatchIsAnErrorNotASilentNull() async throws {
        try await withStore { _, path in
            let failure = try withRawDatabase(path) { database in
                sqliteFailure { try database.run("INSERT INTO apps (name, created_at) VALUES (?, ?)", [.text("x")]) }
            }
            #expect(failure?.message == "the statement has 2 parameters but 1 values were given")
        }
    }

    @Test func aLongStatementIsShortenedInTheMessageButKeptWhole() {
        let sql = "SELECT\n    " + String(repeating: "x, ", count: 100) + "y"
        let failure = SQLiteFailure(sql: sql, extendedCode: 1, message: "no such column: x")
        #expect(failure.sql == sql)
        #expect(failure.shortSQL.hasPrefix("SELECT x, x, "))
        #expect(failure.shortSQL.hasSuffix("…"))
        #expect(failure.shortSQL.count == 201)
    }

    @Test func aTransactionRollsBackWhenItsBodyThrows() async throws {
        try await withStore { _, path in
            try withRawDatabase(path) { database in
                #expect(throws: StoreError.closed) {
                    try database.transaction { () throws(StoreError) in
                        try database.run("INSERT INTO apps (name, created_at) VALUES ('blog', 0)")
                        throw .closed
                    }
                }
                #expect(try scalar(database, "SELECT count(*) FROM apps") == .integer(0))
                // The connection is usable afterwards: no transaction was left open.
                try database.transaction { () throws(StoreError) in
                    try database.run("INSERT INTO apps (name, created_at) VALUES ('blog', 0)")
                }
                #expect(try scalar(database, "SELECT count(*) FROM apps") == .integer(1))
            }
        }
    }

    static let roundTripValues: [SQLValue] = [
        .null, .integer(0), .integer(.min), .integer(.max), .real(-1.5), .text(""), .text("héllo ✓"),
        .text("nul\u{0}inside"), .blob([]), .blob([0, 1, 255]),
    ]

    @Test(arguments: roundTripValues)
    func valuesRoundTrip(_ value: SQLValue) async throws {
        try await withTemporaryDirectory { directory in
            let database = try Database.open(path: directory + "/values.sqlite")
            defer { database.close() }
            try database.execute("CREATE TABLE t (v ANY) STRICT")
            try database.run("INSERT INTO t (v) VALUES (?)", [value])
            #expect(try scalar(database, "SELECT v FROM t") == value)
        }
    }

    @Test func aClosedDatabaseRefusesWork() async throws {
        try await withTemporaryDirectory { directory in
            let database = try Database.open(path: directory + "/closed.sqlite")
            database.close()
            database.close()
            #expect(throws: StoreError.closed) { try database.execute("SELECT 1") }
            #expect(throws: StoreError.closed) { _ = try database.query("SELECT 1") }
        }
    }

    @Test func openingAMissingDirectoryFailsNamingThePath() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/missing/dokuen.sqlite"
            #expect {
                try Database.open(path: path)
            } throws: { error in
                guard case .openFailed(let failedPath, let failure) = error as? StoreError else { return false }
                return failedPath == path && failure.code == 14  // SQLITE_CANTOPEN
                    && (error as! StoreError).description.hasPrefix("unable to open database \(path): ")
            }
        }
    }
}
