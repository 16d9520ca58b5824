import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import Foundation
import TestSupport
import Testing

/// Issue 17's snapshots (docs/BACKUP.md) with a real dokuend and real restic: a snapshot of a platform whose app
/// writes SQLite under load and whose PostgreSQL add-on is linked, restored by the test's own restic and checked
/// file by file; a `kill -9` of dokuend while restic runs; the refusals; `forget` against a table of dates; the
/// schedule.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(if: geteuid() == 0, "needs root: apps and add-ons get users of their own"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/restic"), "needs Debian's restic"))
struct BackupTests {
    static let password = "correct horse battery staple"

    /// A web process that also writes rows into `$DOKUEN_DATA_DIR/db/app.sqlite` (WAL) without pause.
    static let writer = """
        import os, sqlite3, threading, time, http.server
        data = os.environ["DOKUEN_DATA_DIR"]
        os.makedirs(data + "/db", exist_ok=True)
        def write():
            c = sqlite3.connect(data + "/db/app.sqlite", isolation_level=None)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("CREATE TABLE IF NOT EXISTS rows (n INTEGER, pad TEXT)")
            n = 0
            while True:
                c.execute("BEGIN")
                for _ in range(20):
                    c.execute("INSERT INTO rows VALUES (?, ?)", (n, "x" * 200))
                    n += 1
                c.execute("COMMIT")
                time.sleep(0.002)
        threading.Thread(target=write, daemon=True).start()
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])),
                                        http.server.SimpleHTTPRequestHandler).serve_forever()
        """

    /// A daemon whose backups go to a repository of its own under /tmp (not made yet: `backup init` does), with a
    /// password file (0600) there too; `remove(_:)` deletes both.
    func daemon(_ label: String, environment: [String: String] = [:]) throws -> DaemonHarness {
        let unique = "/tmp/dokuen-\(label)-\(Int.random(in: 0..<1_000_000_000))"
        try AtomicFile.write(Array((Self.password + "\n").utf8), to: unique + ".pw", mode: 0o600)
        return try DaemonHarness(
            label: label,
            options: ["--backup-repo", unique + ".repo", "--backup-password-file", unique + ".pw"],
            environment: environment)
    }

    /// The repository and password file a daemon of `daemon(_:)` was started with.
    func repository(_ daemon: DaemonHarness) -> (repo: String, password: String) {
        let options = daemon.options
        let repo = options[options.firstIndex(of: "--backup-repo")! + 1]
        let password = options[options.firstIndex(of: "--backup-password-file")! + 1]
        return (repo, password)
    }

    /// Removes the daemon's repository and password file (outside its temp directory), then the rest.
    func remove(_ daemon: DaemonHarness) {
        if daemon.options.contains("--backup-repo") {
            let (repo, password) = repository(daemon)
            if repo.hasPrefix("/tmp/dokuen-") { try? Posix.removeTree(repo) }
            try? Posix.unlink(password)
        }
    }

    /// restic against the daemon's repository, as the test's own client.
    func restic(_ daemon: DaemonHarness, _ arguments: [String], seconds: Int32 = 120) throws -> ProgramResult {
        let (repo, password) = repository(daemon)
        return try runProgram(
            "/usr/bin/restic", ["-r", repo, "--password-file", password, "--no-cache"] + arguments,
            environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path, "TZ": "UTC"], deadlineSeconds: seconds)
    }

    @discardableResult
    func expectOK(_ result: ProgramResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> ProgramResult {
        #expect(result.status == .exited(0), "\(result.standardError)", sourceLocation: sourceLocation)
        return result
    }

    func create(_ daemon: DaemonHarness) throws -> BackupSummary {
        let result = try daemon.dokuen(["backup", "create", "--json"])
        try #require(result.status == .exited(0), "\(result.standardError)")
        return try JSONDecoder().decode(BackupSummary.self, from: Data(result.stdout))
    }

    func sqlite(_ path: String, _ sql: String) throws -> String {
        let result = try runProgram(
            "/usr/bin/python3",
            [
                "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])",
                path, sql,
            ],
            environment: ["PATH": "/usr/bin:/bin"], deadlineSeconds: 30)
        #expect(result.status == .exited(0), "\(result.standardError)")
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Processes whose command line holds `text` (a repository path unique to one test).
    func processes(containing text: String) -> [Int32] {
        ((try? Posix.listDirectory("/proc")) ?? []).compactMap { Int32($0) }.filter { pid in
            guard let bytes = try? Posix.readFile("/proc/\(pid)/cmdline") else { return false }
            return String(decoding: bytes, as: UTF8.self).contains(text)
        }
    }

    /// The zombies whose command name is `name`: dead, not yet reaped.
    func zombies(named name: String) -> [Int32] {
        ((try? Posix.listDirectory("/proc")) ?? []).compactMap { Int32($0) }.filter { pid in
            guard let bytes = try? Posix.readFile("/proc/\(pid)/stat") else { return false }
            let stat = String(decoding: bytes, as: UTF8.self)
            // `PID (COMM) STATE …`; COMM may hold spaces and parentheses, so the state follows the last ')'.
            guard let close = stat.lastIndex(of: ")"), let open = stat.firstIndex(of: "(") else { return false }
            let comm = stat[stat.index(after: open)..<close]
            return comm == name && stat[stat.index(after: close)...].hasPrefix(" Z")
        }
    }

    /// (1) A snapshot while the app writes SQLite under load, with a linked PostgreSQL add-on: restored by restic
    /// itself, the staged SQLite copy passes integrity_check, the dump is whole, every contract path is there and
    /// nothing excluded is; then an unchanged platform's next snapshot adds little.
    @Test func createUnderLoadIsConsistentAndDeduplicated() throws {
        let daemon = try daemon("bk-create")
        defer {
            AddonTests().cleanUp(daemon)
            daemon.stop()
            remove(daemon)
        }
        let app = "bk-sql"
        let source = daemon.temp("src-\(app)")
        try Posix.mkdir(source)
        try AtomicFile.write(Array("web: exec python3 app.py\n".utf8), to: source + "/Procfile")
        try AtomicFile.write(Array(Self.writer.utf8), to: source + "/app.py")
        try expectOK(daemon.dokuen(["apps", "create", app]))
        try expectOK(daemon.dokuen(["config", "set", app, "GREETING=hello"]))
        try expectOK(daemon.dokuen(["deploy", app, source]))
        let data = daemon.root + "/apps/\(app)/data"
        try daemon.waitFor("the app's database has rows") {
            (try? Posix.lstat(data + "/db/app.sqlite-wal")) != nil
                && (try? sqlite(data + "/db/app.sqlite", "SELECT count(*) FROM rows")).flatMap { Int($0) } ?? 0 > 100
        }
        // Some bulk that is not SQLite, so that the dedup ratio below means something.
        var generator = SplitMix64(seed: 17)
        try AtomicFile.write(
            (0..<2_000_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, to: data + "/blob")
        let postgres = AddonTests.postgresBin != nil
        if postgres {
            try expectOK(daemon.dokuen(["addons", "create", "postgres", "bkdb"]))
            try expectOK(daemon.dokuen(["addons", "link", app, "bkdb"]))
            let url = try #require(
                try JSONDecoder().decode(
                    [String: String].self,
                    from: Data(try daemon.dokuen(["config", "show", app, "--json", "--reveal"]).stdout))["DATABASE_URL"]
            )
            try expectOK(AddonTests().psql(url, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42);"))
        }

        // A backup needs its repository first, and `init` refuses a second time.
        let before = try daemon.dokuen(["backup", "create"])
        #expect(before.status != .exited(0))
        #expect(
            before.standardError.contains("does not exist; dokuen backup init creates it"), "\(before.standardError)")
        try expectOK(daemon.dokuen(["backup", "init"]))
        let again = try daemon.dokuen(["backup", "init"])
        #expect(again.status != .exited(0) && again.standardError.contains("exists already"), "\(again.standardError)")

        // The human output shows progress and ends with the id, the size and what changed.
        let shown = try expectOK(daemon.dokuen(["backup", "create"]))
        #expect(shown.standardOutput.contains("copying bk-sql's SQLite database data/db/app.sqlite (online backup)"))
        #expect(shown.standardOutput.contains("added to the repository: "), "\(shown.standardOutput)")
        let first = try create(daemon)
        #expect(first.snapshotID.count == 64 && first.warnings.isEmpty, "\(first)")
        #expect((try? Posix.lstat(daemon.root + "/backup")) == nil, "the staging directory is removed")

        let restored = daemon.temp("restored")
        try expectOK(restic(daemon, ["restore", first.snapshotID, "--target", restored]))
        let manifest = try JSONDecoder().decode(
            BackupManifest.self, from: Data(try Posix.readFile(restored + "/backup/manifest.json")))
        #expect(manifest.format == 1 && manifest.schemaVersion == Store.schemaVersion && !manifest.withBuilds)
        #expect(manifest.root == daemon.root && manifest.daemonArguments.contains("--backup-repo"))
        let entry = try #require(manifest.apps.first { $0.name == app })
        #expect(entry.release != nil && entry.sqliteCopies == ["db/app.sqlite"], "\(entry)")
        let copy = restored + "/backup/data/\(app)/db/app.sqlite"
        #expect(try sqlite(copy, "PRAGMA integrity_check") == "ok")
        #expect(Int(try sqlite(copy, "SELECT count(*) FROM rows")) ?? 0 > 100)
        #expect(try sqlite(restored + "/backup/dokuen.sqlite", "PRAGMA integrity_check") == "ok")
        #expect(
            try sqlite(restored + "/backup/dokuen.sqlite", "SELECT count(*) FROM apps WHERE name = 'bk-sql'") == "1")
        for path in ["apps/\(app)/env/GREETING", "apps/\(app)/repo.git/HEAD", "apps/\(app)/data/blob", "buildpacks"] {
            #expect((try? Posix.lstat(restored + "/" + path)) != nil, "\(path) is in the snapshot")
        }
        // The live database and its companions are not: only the consistent copy is.
        for suffix in ["", "-wal", "-shm", "-journal"] {
            #expect((try? Posix.lstat(restored + "/apps/\(app)/data/db/app.sqlite" + suffix)) == nil)
        }
        for path in ["apps/\(app)/logs", "apps/\(app)/releases", "run", "dokuen.sqlite"] {
            #expect((try? Posix.lstat(restored + "/" + path)) == nil, "\(path) is not in the snapshot")
        }
        if postgres {
            let addon = try #require(manifest.addons.first { $0.name == "bkdb" })
            #expect(
                addon.kind == "postgres"
                    && addon.dumps == [.init(database: app, path: "backup/addons/bkdb/\(app).dump")])
            let dump = restored + "/backup/addons/bkdb/\(app).dump"
            let listed = try runProgram(
                AddonTests.postgresBin! + "/pg_restore", ["-l", dump], environment: ["PATH": "/usr/bin:/bin"])
            #expect(listed.status == .exited(0) && listed.standardOutput.contains("TABLE public kept"))
            #expect((try? Posix.lstat(restored + "/addons/bkdb/secret")) != nil)
            #expect(
                (try? Posix.lstat(restored + "/addons/bkdb/data")) == nil, "an add-on's data directory is not taken")
            #expect(((try? Posix.listDirectory(daemon.root + "/addons/bkdb/tmp")) ?? []).isEmpty, "no dump is left")
        }

        // Unchanged (the writer stopped): the next snapshot adds little, by deduplication.
        try expectOK(daemon.dokuen(["stop", app]))
        // With builds, the kept releases' build directories are in the snapshot too.
        let built = try JSONDecoder().decode(
            BackupSummary.self,
            from: Data(try expectOK(daemon.dokuen(["backup", "create", "--with-builds", "--json"])).stdout))
        #expect(built.withBuilds)
        let files = try expectOK(restic(daemon, ["ls", built.snapshotID])).standardOutput
        #expect(files.contains("/apps/\(app)/releases/") && files.contains("/app.py"), "\(files.prefix(2000))")
        let plain = try expectOK(restic(daemon, ["ls", first.snapshotID])).standardOutput
        #expect(!plain.contains("/releases/"), "no builds without --with-builds")
        let unchanged = try create(daemon)
        #expect(
            unchanged.dataAdded * 10 < first.dataAdded,
            "an unchanged platform added \(unchanged.dataAdded) bytes after a first \(first.dataAdded)")
        #expect(unchanged.filesUnmodified > 0)

        let listed = try JSONDecoder().decode(
            [BackupSnapshot].self, from: Data(try expectOK(daemon.dokuen(["backup", "list", "--json"])).stdout))
        #expect(listed.count == 4 && listed.allSatisfy { $0.tags == ["dokuen"] && $0.totalBytes != nil })
        try expectOK(daemon.dokuen(["backup", "check"]))
        let events = try expectOK(daemon.dokuen(["events"])).standardOutput
        #expect(events.contains("backup.create  ok: snapshot \(first.shortID)"), "\(events)")
        #expect(events.contains("backup.create  failed: repository "), "\(events)")
    }

    /// (2) dokuend killed (SIGKILL) while restic runs: restic dies with it, the earlier snapshot stays valid, the
    /// next start removes the staging directory, and the next backup succeeds.
    @Test func killedMidBackupLeavesNothingBehind() throws {
        let daemon = try daemon("bk-kill")
        defer {
            daemon.stop()
            remove(daemon)
        }
        let (repo, _) = repository(daemon)
        try expectOK(daemon.dokuen(["apps", "create", "bk-kill"]))
        // Bulk restic needs a moment for, so that it is still running at its first progress line.
        var generator = SplitMix64(seed: 3)
        let data = daemon.root + "/apps/bk-kill/data"
        try Posix.mkdir(data, existingOK: true)
        try AtomicFile.write(
            (0..<24_000_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, to: data + "/bulk")
        try expectOK(daemon.dokuen(["backup", "init"]))

        // One backup at a time: a second create while one runs is refused at once, and the first goes on.
        let running = try BackgroundProgram(
            daemon.bin + "/dokuen", ["backup", "create", "--root", daemon.root],
            environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path])
        try daemon.waitFor("the first backup staged its files") { (try? Posix.lstat(daemon.root + "/backup")) != nil }
        let second = try daemon.dokuen(["backup", "create"])
        #expect(second.status != .exited(0))
        #expect(
            second.standardError.contains("unable to back up: a backup is running since "), "\(second.standardError)")
        #expect(try running.wait(milliseconds: 60_000) == .exited(0), "\(running.standardError)")
        running.stop()
        let earlier = try create(daemon)

        try daemon.restart(environment: ["DOKUEN_FAULT_KILL_AT": "backup-restic"])
        try AtomicFile.write(
            (0..<24_000_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, to: data + "/bulk2")
        let cut = try daemon.dokuen(["backup", "create"])
        #expect(cut.status != .exited(0))
        #expect(cut.standardError.contains("dokuend's answer"), "\(cut.standardError)")
        #expect(try daemon.daemon.wait(milliseconds: 10_000) == .signaled(SIGKILL))
        // PR_SET_PDEATHSIG: restic is gone with the daemon (give the kernel a moment to deliver it).
        try daemon.waitFor("restic ended with dokuend") { processes(containing: repo).isEmpty }
        // And reaped: an orphan's parent becomes PID 1, which may reap it late. Until then its zombie keeps its pid,
        // and restic calls a lock whose pid exists on this host live, not stale (a zombie's cmdline is empty, so
        // only its name in /proc/PID/stat finds it).
        try daemon.waitFor("the killed restic reaped") { zombies(named: "restic").isEmpty }
        #expect((try? Posix.lstat(daemon.root + "/backup")) != nil, "the staging directory outlived the daemon")

        try daemon.restart(environment: [:])
        #expect((try? Posix.lstat(daemon.root + "/backup")) == nil, "a leftover staging directory is removed at start")
        #expect((try? Posix.lstat(daemon.root + "/run/restic-tmp")) == nil)
        // The killed restic's lock is stale: `backup check` removes it (restic unlock) and checks the repository.
        let locked = try restic(daemon, ["list", "locks", "--no-lock"])
        #expect(!locked.standardOutput.isEmpty, "the killed restic left its lock")
        try expectOK(daemon.dokuen(["backup", "check"]))
        try expectOK(restic(daemon, ["check"]))
        let snapshots = try expectOK(restic(daemon, ["snapshots", "--json"])).standardOutput
        #expect(snapshots.contains(earlier.snapshotID))
        let next = try create(daemon)
        #expect(next.snapshotID != earlier.snapshotID)
        try expectOK(restic(daemon, ["check"]))
        #expect((try? Posix.lstat(daemon.root + "/backup")) == nil)
    }

    /// (3) Each refusal is one clear line, and no snapshot is made.
    @Test func refusals() throws {
        // No repository configured.
        let plain = try DaemonHarness(label: "bk-none")
        defer { plain.stop() }
        for verb in [["backup", "create"], ["backup", "list"], ["backup", "init"]] {
            let refused = try plain.dokuen(verb)
            #expect(refused.status != .exited(0))
            #expect(
                refused.standardError.contains(
                    "no backup repository is configured: start dokuend with --backup-repo REPO --backup-password-file FILE"
                ),
                "\(refused.standardError)")
        }
        #expect(try plain.dokuen(["backup", "forget"]).status == .exited(64), "forget needs a keep rule")

        // A missing repository.
        let missing = try daemon("bk-missing")
        defer {
            missing.stop()
            remove(missing)
        }
        let (missingRepo, _) = repository(missing)
        let absent = try missing.dokuen(["backup", "create"])
        #expect(absent.status != .exited(0))
        #expect(
            absent.standardError.contains("repository \(missingRepo) does not exist; dokuen backup init creates it"),
            "\(absent.standardError)")
        #expect((try? Posix.lstat(missingRepo)) == nil, "nothing was made")

        // A wrong password: the repository was made with another one.
        let wrong = try daemon("bk-wrong")
        defer {
            wrong.stop()
            remove(wrong)
        }
        let (wrongRepo, _) = repository(wrong)
        let other = wrong.temp("other.pw")
        try AtomicFile.write(Array("another password\n".utf8), to: other, mode: 0o600)
        try expectOK(
            runProgram(
                "/usr/bin/restic", ["-r", wrongRepo, "--password-file", other, "init"],
                environment: ["PATH": "/usr/bin:/bin", "HOME": wrong.temp.path]))
        let refused = try wrong.dokuen(["backup", "create"])
        #expect(refused.status != .exited(0))
        #expect(
            refused.standardError.contains("wrong password for repository \(wrongRepo)"), "\(refused.standardError)")
        let listed = try runProgram(
            "/usr/bin/restic", ["-r", wrongRepo, "--password-file", other, "--no-cache", "snapshots", "--json"],
            environment: ["PATH": "/usr/bin:/bin", "HOME": wrong.temp.path])
        #expect(listed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "no snapshot was made")
        #expect((try? Posix.lstat(wrong.root + "/backup")) == nil)

        // A password file others may read: dokuend refuses to start.
        let loose = plain.temp("loose.pw")
        try AtomicFile.write(Array("pw\n".utf8), to: loose, mode: 0o644)
        let start = try runProgram(
            plain.bin + "/dokuend",
            [
                "--root", plain.temp("loose-root"), "--nginx", "off", "--backup-repo", plain.temp("repo"),
                "--backup-password-file", loose,
            ],
            environment: ["PATH": "/usr/bin:/bin", "HOME": plain.temp.path], deadlineSeconds: 30)
        #expect(start.status == .exited(1))
        #expect(
            start.standardError.contains("its mode 644 lets the group or others read it; chmod 600 \(loose)"),
            "\(start.standardError)")
    }

    /// (4) forget keeps exactly what its flags say: snapshots with chosen dates (restic backup --time), then
    /// `dokuen backup forget`; what remains is the table's expectation, RetentionPolicy's, and restic's.
    @Test func forgetKeepsWhatTheFlagsSay() throws {
        let daemon = try daemon("bk-forget")
        defer {
            daemon.stop()
            remove(daemon)
        }
        try expectOK(daemon.dokuen(["backup", "init"]))
        let host = String(decoding: try Posix.readFile("/proc/sys/kernel/hostname"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let source = daemon.temp("dated")
        try Posix.mkdir(source)
        var ids: [String: String] = [:]  // table id → snapshot id
        for (name, time) in RetentionPolicyTable.rows {
            try AtomicFile.write(Array(name.utf8), to: source + "/file")
            let stamp = String(time.prefix(19).map { $0 == "T" ? " " : $0 })
            let result = try expectOK(
                restic(daemon, ["backup", "--json", "--tag", "dokuen", "--host", host, "--time", stamp, source]))
            let summary = try #require(result.standardOutput.split(separator: "\n").last { $0.contains("summary") })
            let object = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any]
            ids[name] = try #require(object?["snapshot_id"] as? String)
        }
        let listed = try JSONDecoder().decode(
            [BackupSnapshot].self, from: Data(try expectOK(daemon.dokuen(["backup", "list", "--json"])).stdout))
        #expect(listed.count == RetentionPolicyTable.rows.count)
        let policy = RetentionPolicy(daily: 3, weekly: 3, monthly: 3)
        let expectedByPolicy = try policy.kept(listed.map { .init(id: $0.id, time: $0.time) })

        let forgot = try expectOK(
            daemon.dokuen([
                "backup", "forget", "--keep-daily", "3", "--keep-weekly", "3", "--keep-monthly", "3", "--json",
            ]))
        let result = try JSONDecoder().decode(BackupForgetResult.self, from: Data(forgot.stdout))
        #expect(result.agrees, "restic and RetentionPolicy disagree: \(result)")
        let remaining = try JSONDecoder().decode(
            [BackupSnapshot].self, from: Data(try expectOK(daemon.dokuen(["backup", "list", "--json"])).stdout))
        let names = Set(remaining.map { snapshot in ids.first { snapshot.id.hasPrefix($0.value) }?.key ?? "?" })
        #expect(names == ["s10", "s9", "s8", "s7", "s5"], "the table says so")
        #expect(Set(remaining.map(\.id)) == expectedByPolicy)
        #expect(result.removed.count == RetentionPolicyTable.rows.count - 5)

        // A second pass with other rules works on what is left.
        try expectOK(daemon.dokuen(["backup", "forget", "--keep-last", "2", "--prune"]))
        let last = try JSONDecoder().decode(
            [BackupSnapshot].self, from: Data(try expectOK(daemon.dokuen(["backup", "list", "--json"])).stdout))
        #expect(
            Set(last.map { snapshot in ids.first { snapshot.id.hasPrefix($0.value) }?.key ?? "?" }) == ["s10", "s9"])
        try expectOK(restic(daemon, ["check"]))
    }

    /// (5) A schedule due within the minute fires a backup (and its forget), recorded as the scheduler's; off stops it.
    @Test func scheduleFires() throws {
        let daemon = try daemon("bk-schedule")
        defer {
            daemon.stop()
            remove(daemon)
        }
        try expectOK(daemon.dokuen(["backup", "init"]))
        let bad = try daemon.dokuen(["backup", "schedule", "daily 25:00"])
        #expect(bad.status == .exited(64) && bad.standardError.contains("\"25:00\" is not a time HH:MM"))
        let set = try expectOK(daemon.dokuen(["backup", "schedule", "* * * * *", "--keep-last", "3"]))
        #expect(set.standardOutput.contains("schedule: * * * * *"), "\(set.standardOutput)")
        #expect(set.standardOutput.contains("then forget --keep-last 3") && set.standardOutput.contains("next run: "))

        let pause = try NotifySocket(path: daemon.temp("pause"))
        var fired = false
        for _ in 0..<(90 * 4) {
            let events = try daemon.dokuen(["events"]).standardOutput
            if events.contains("dokuend (schedule)  -  backup.forget") { fired = true }
            if fired { break }
            _ = try pause.receive(milliseconds: 250)
        }
        #expect(fired, "no scheduled backup within 90 s: \(daemon.daemon.standardError)")
        let events = try daemon.dokuen(["events"]).standardOutput
        #expect(events.contains("dokuend (schedule)  -  backup.create  ok: snapshot "), "\(events)")
        let shown = try JSONDecoder().decode(
            BackupScheduleInfo.self,
            from: Data(try expectOK(daemon.dokuen(["backup", "schedule", "--json"])).stdout))
        #expect(shown.lastRun?.outcome == "ok" && shown.lastRun?.trigger == "schedule" && shown.next != nil)

        let off = try expectOK(daemon.dokuen(["backup", "schedule", "off"]))
        #expect(off.standardOutput.contains("schedule: off"), "\(off.standardOutput)")
        #expect(try daemon.dokuen(["events"]).standardOutput.contains("backup.schedule  off"))
    }
}

/// The table of RetentionPolicyTests (DokuenCoreTests), for restic itself.
enum RetentionPolicyTable {
    static let rows: [(String, String)] = [
        ("s1", "2025-12-01T03:00:00Z"), ("s2", "2025-12-15T03:00:00Z"), ("s3", "2025-12-28T03:00:00Z"),
        ("s4", "2025-12-29T03:00:00Z"), ("s5", "2025-12-31T23:00:00Z"), ("s6", "2026-01-01T03:00:00Z"),
        ("s7", "2026-01-01T15:00:00Z"), ("s8", "2026-01-05T03:00:00Z"), ("s9", "2026-01-06T03:00:00Z"),
        ("s10", "2026-02-01T03:00:00Z"),
    ]
}
