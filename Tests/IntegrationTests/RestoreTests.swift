import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// `dokuen restore` (issue 17, docs/BACKUP.md) with real restic, a real PostgreSQL add-on, real apps and a real sshd:
/// a platform backed up by one dokuend and restored by a second one on an empty root, with its own port range, side
/// by side on this host. App and add-on names start with `rs`.
@Suite(
    .serialized, .timeLimit(.minutes(10)),
    .enabled(if: geteuid() == 0, "needs root: apps and add-ons get users of their own"),
    .enabled(if: access("/usr/bin/restic", X_OK) == 0, "needs restic"),
    .enabled(if: addonPostgresBin != nil, "needs Debian's postgresql package"))
struct RestoreTests {
    /// A web app that keeps writing rows to a SQLite database in its data/ (WAL), also while the backup runs.
    static let writerApp = """
        import http.server, os, sqlite3, threading, time

        def write():
            db = sqlite3.connect(os.path.join(os.environ["DOKUEN_DATA_DIR"], "app.sqlite"))
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, body TEXT)")
            db.commit()
            for _ in range(200000):
                db.execute("INSERT INTO hits (body) VALUES (?)", ("x" * 64,))
                db.commit()
                time.sleep(0.002)

        threading.Thread(target=write, daemon=True).start()

        class Hello(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"rsdata says hello\\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *arguments):
                pass

        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Hello).serve_forever()

        """

    /// A repository and its password file, outside both roots.
    struct Repository {
        let temp: TemporaryDirectory
        var path: String { temp("repo") }
        var passwordFile: String { temp("password") }

        init() throws {
            temp = try TemporaryDirectory("rs-repo")
            try AtomicFile.write(Array("rs-secret-\(UInt32.random(in: 0...UInt32.max))\n".utf8), to: temp("password"))
            try Posix.chmod(temp("password"), 0o600)
        }

        var daemonOptions: [String] { ["--backup-repo", path, "--backup-password-file", passwordFile] }
    }

    @discardableResult
    func expectOK(_ result: ProgramResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> ProgramResult {
        #expect(
            result.status == .exited(0), "\(result.standardOutput)\n\(result.standardError)",
            sourceLocation: sourceLocation)
        return result
    }

    /// Creates `name` and pushes a commit holding `files` to its repository with git, so that its release has a
    /// commit to rebuild from.
    func push(_ daemon: DaemonHarness, _ name: String, _ files: [String: String]) throws {
        let work = daemon.temp("work-\(name)")
        let first = !Posix.isDirectory(work)
        if first { try expectOK(daemon.dokuen(["apps", "create", name])) }
        let environment = [
            "PATH": "/usr/bin:/bin", "HOME": daemon.temp.path, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Ada",
            "GIT_AUTHOR_EMAIL": "ada@example.com", "GIT_COMMITTER_NAME": "Ada",
            "GIT_COMMITTER_EMAIL": "ada@example.com",
        ]
        func git(_ arguments: [String]) throws -> ProgramResult {
            try runProgram("/usr/bin/git", ["-C", work] + arguments, environment: environment, deadlineSeconds: 300)
        }
        if first {
            try expectOK(runProgram("/usr/bin/git", ["init", "-q", "-b", "main", work], environment: environment))
        }
        for (path, text) in files { try AtomicFile.write(Array(text.utf8), to: work + "/" + path) }
        try expectOK(git(["add", "-A"]))
        try expectOK(git(["commit", "-q", "-m", first ? "first" : "next"]))
        // The repository is the git user's: a local push goes through dokuen's receive-pack, as `apps create` says.
        try expectOK(
            git([
                "push", "--receive-pack", "\(daemon.bin)/dokuen git receive-pack --root \(daemon.root)",
                daemon.root + "/apps/\(name)/repo.git", "main",
            ]))
    }

    func body(_ daemon: DaemonHarness, _ app: String, path: String = "/") throws -> String {
        let port = try #require(
            try daemon.statuses().first { $0.app == app && $0.type == "web" && $0.state == "RUNNING" }?.port)
        return try runProgram(
            "/usr/bin/python3",
            [
                "-c",
                "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:\(port)\(path)').read().decode(), end='')",
            ]
        ).standardOutput
    }

    func config(_ daemon: DaemonHarness, _ app: String) throws -> [String: String] {
        try JSONDecoder().decode(
            [String: String].self,
            from: Data(try expectOK(daemon.dokuen(["config", "show", app, "--json", "--reveal"])).stdout))
    }

    func restore(_ daemon: DaemonHarness, _ arguments: [String]) throws -> ProgramResult {
        try daemon.dokuen(["restore"] + arguments)
    }

    /// What a refused restore must leave as it was: no app, no add-on, nothing under apps/ or addons/, no leftover.
    func expectEmpty(_ daemon: DaemonHarness, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let apps = try JSONDecoder().decode(
            [AppInfo].self, from: Data(try expectOK(daemon.dokuen(["apps", "--json"])).stdout))
        #expect(apps.isEmpty, sourceLocation: sourceLocation)
        #expect(((try? Posix.listDirectory(daemon.root + "/apps")) ?? []).isEmpty, sourceLocation: sourceLocation)
        #expect(((try? Posix.listDirectory(daemon.root + "/addons")) ?? []).isEmpty, sourceLocation: sourceLocation)
        let leftovers = ((try? Posix.listDirectory(daemon.root + "/run")) ?? []).filter { $0.hasPrefix("restore-") }
        #expect(leftovers.isEmpty, "\(leftovers)", sourceLocation: sourceLocation)
    }

    /// The acceptance's round trip: two apps, one writing SQLite under load during the backup, one linked to a
    /// PostgreSQL add-on; restored into a second, empty root with its own daemon and port range.
    @Test func aPlatformComesBackWholeOnASecondRoot() throws {
        let repository = try Repository()
        defer { repository.temp.remove() }
        let source = try DaemonHarness(label: "rs-source", options: repository.daemonOptions)
        defer {
            AddonTests().cleanUp(source)
            source.stop()
        }
        try expectOK(source.dokuen(["backup", "init"]))
        try push(source, "rsdata", ["Procfile": "web: exec python3 app.py\n", "app.py": Self.writerApp])
        try push(
            source, "rspg",
            [
                "Procfile": "web: exec python3 -m http.server $PORT --bind 127.0.0.1\n",
                "index.txt": "rspg says hello\n",
            ])
        try expectOK(source.dokuen(["config", "set", "rsdata", "GREETING=hello world"]))
        try expectOK(source.dokuen(["domains", "add", "rsdata", "rsdata.example.org"]))
        try expectOK(source.dokuen(["ps", "set", "rsdata", "web", "stop_timeout=7"]))
        try expectOK(source.dokuen(["checks", "disable", "rsdata"]))
        try expectOK(source.dokuen(["access", "allow", "rsdata", "10.0.0.0/8"]))
        try expectOK(source.dokuen(["maintenance", "on", "rspg"]))
        let pem = source.temp("pem")
        try Posix.mkdir(pem)
        try expectOK(
            runProgram(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pem + "/key.pem", "-out",
                    pem + "/cert.pem", "-days", "30", "-subj", "/CN=rspg.example.org",
                ]))
        try expectOK(source.dokuen(["certs", "add", "rspg", pem + "/cert.pem", pem + "/key.pem"]))
        try expectOK(source.dokuen(["addons", "create", "postgres", "rsdb"]))
        try expectOK(source.dokuen(["addons", "link", "rspg", "rsdb"]))
        // A Redis add-on too: its RDB dump comes back with the same key, under the secret its URL carries.
        try expectOK(source.dokuen(["addons", "create", "redis", "rscache"]))
        try expectOK(source.dokuen(["addons", "link", "rspg", "rscache"]))
        let sourceRedis = try #require(try config(source, "rspg")["REDIS_URL"])
        try expectOK(
            runProgram(
                "/usr/bin/redis-cli", ["-u", sourceRedis, "--no-auth-warning", "SET", "greeting", "kept"],
                deadlineSeconds: 10))
        let sourceURL = try #require(try config(source, "rspg")["DATABASE_URL"])
        try expectOK(
            AddonTests().psql(
                sourceURL,
                "CREATE TABLE items (id int PRIMARY KEY, name text); "
                    + "INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 50) i"))
        // A second build: v1's build is then not the current one, and a restore without builds has only its record.
        try push(source, "rspg", ["index.txt": "rspg says hello again\n"])
        let rowsQuery = "SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM items"
        let rows = try expectOK(AddonTests().psql(sourceURL, rowsQuery)).standardOutput
        // The writer is under way before the backup starts.
        let database = source.root + "/apps/rsdata/data/app.sqlite"
        try source.waitFor("rsdata writes rows") { Posix.exists(database) }
        try expectOK(source.dokuen(["backup", "create"]))

        let before = try ["rsdata", "rspg"].map { app in
            (
                body: try body(source, app, path: app == "rspg" ? "/index.txt" : "/"),
                config: try config(source, app),
                releases: try expectOK(source.dokuen(["releases", app])).standardOutput,
                domains: try expectOK(source.dokuen(["domains", "list", app])).standardOutput,
                settings: try expectOK(source.dokuen(["ps", "settings", app])).standardOutput,
                checks: try expectOK(source.dokuen(["checks", "report", app])).standardOutput,
                certificate: try source.dokuen(["certs", "info", app]).standardOutput,
                access: try expectOK(source.dokuen(["access", "show", app])).standardOutput,
                maintenance: try expectOK(source.dokuen(["maintenance", "show", app])).standardOutput
            )
        }

        let target = try DaemonHarness(label: "rs-target")
        defer {
            AddonTests().cleanUp(target)
            target.stop()
        }
        let clock = ContinuousClock()
        let started = clock.now
        let restored = try expectOK(
            restore(target, ["--from", repository.path, "--password-file", repository.passwordFile, "--json"]))
        let outcome = try JSONDecoder().decode(RestoreOutcome.self, from: Data(restored.stdout))
        #expect(outcome.apps.map(\.name) == ["rsdata", "rspg"])
        #expect(outcome.apps.map(\.release) == ["v3", "v4"])
        #expect(outcome.apps.allSatisfy { $0.url?.hasPrefix("http://127.0.0.1:") == true })
        #expect(outcome.addons.sorted() == ["rscache", "rsdb"])
        print("restore to serving: \(clock.now - started)")

        let addon = try AddonTests().info(target, "rsdb")
        for (index, app) in ["rsdata", "rspg"].enumerated() {
            #expect(try body(target, app, path: app == "rspg" ? "/index.txt" : "/") == before[index].body)
            #expect(try expectOK(target.dokuen(["releases", app])).standardOutput == before[index].releases)
            #expect(try expectOK(target.dokuen(["domains", "list", app])).standardOutput == before[index].domains)
            #expect(try expectOK(target.dokuen(["ps", "settings", app])).standardOutput == before[index].settings)
            #expect(try expectOK(target.dokuen(["checks", "report", app])).standardOutput == before[index].checks)
            #expect(try target.dokuen(["certs", "info", app]).standardOutput == before[index].certificate)
            #expect(try expectOK(target.dokuen(["access", "show", app])).standardOutput == before[index].access)
            #expect(
                try expectOK(target.dokuen(["maintenance", "show", app])).standardOutput == before[index].maintenance)
            var restoredConfig = try config(target, app)
            var expected = before[index].config
            // The add-on's URL names the restored server: only its port may differ.
            if let url = restoredConfig["DATABASE_URL"], let old = expected["DATABASE_URL"] {
                #expect(url.contains("@127.0.0.1:\(addon.port)/"), "\(url)")
                restoredConfig["DATABASE_URL"] = nil
                expected["DATABASE_URL"] = nil
                #expect(
                    url.replacingOccurrences(of: ":\(addon.port)/", with: "/")
                        == old.replacingOccurrences(
                            of: ":\(try AddonTests().info(source, "rsdb").port)/", with: "/"))
            }
            if let url = restoredConfig["REDIS_URL"], let old = expected["REDIS_URL"] {
                let cache = try AddonTests().info(target, "rscache")
                #expect(url.hasSuffix("@127.0.0.1:\(cache.port)/0"), "\(url)")
                restoredConfig["REDIS_URL"] = nil
                expected["REDIS_URL"] = nil
                #expect(url.split(separator: "@").first == old.split(separator: "@").first)
            }
            #expect(restoredConfig == expected)
            // Each port comes from the target's own range.
            let port = try #require(try target.statuses().first { $0.app == app }?.port)
            let range = target.ports.split(separator: "-").compactMap { Int($0) }
            #expect(port >= range[0] && port <= range[1])
        }
        #expect(addon.links.map(\.app) == ["rspg"])
        let restoredURL = try #require(try config(target, "rspg")["DATABASE_URL"])
        #expect(try expectOK(AddonTests().psql(restoredURL, rowsQuery)).standardOutput == rows)
        let restoredRedis = try #require(try config(target, "rspg")["REDIS_URL"])
        let greeting = try expectOK(
            runProgram(
                "/usr/bin/redis-cli", ["-u", restoredRedis, "--no-auth-warning", "GET", "greeting"],
                deadlineSeconds: 10))
        #expect(greeting.standardOutput == "kept\n")
        // The SQLite database came from its online copy: whole, and the app's (this host's user's).
        let copy = target.root + "/apps/rsdata/data/app.sqlite"
        let check = try expectOK(runProgram("/usr/bin/sqlite3", [copy, "PRAGMA integrity_check"]))
        #expect(check.standardOutput == "ok\n")
        let owner = try #require(try Posix.lstat(copy))
        #expect(owner.uid == UserEntry.named("dk-rsdata")?.uid)
        // One restore event per app and one for the whole.
        let events = try JSONDecoder().decode(
            [EventEntry].self, from: Data(try expectOK(target.dokuen(["events", "--json"])).stdout))
        #expect(Set(events.filter { $0.action == "restore" }.map { $0.app ?? "" }) == ["", "rsdata", "rspg"])
        #expect(events.contains { $0.app == "rspg" && $0.action == "addon.link" })
        // A second restore into what is now a non-empty root is refused, and changes nothing.
        let again = try restore(target, ["--from", repository.path, "--password-file", repository.passwordFile])
        #expect(again.status == .exited(1))
        #expect(
            again.standardError.contains("it is not empty (rsdata, rspg, addon:rscache, addon:rsdb)"),
            "\(again.standardError)")
        // --force adds to it, but never over an app of the same name.
        let forced = try restore(
            target,
            ["--from", repository.path, "--password-file", repository.passwordFile, "--force", "--apps", "rspg"])
        #expect(
            forced.standardError.contains("unable to restore rspg: an app of that name exists here"),
            "\(forced.standardError)")
        #expect(try expectOK(target.dokuen(["releases", "rspg"])).standardOutput == before[1].releases)
        // An older release has a record and no build: a rollback to it says so instead of failing to start.
        let rollback = try target.dokuen(["rollback", "rspg", "v1"])
        #expect(rollback.status != .exited(0))
        #expect(rollback.standardError.contains("is not on disk"), "\(rollback.standardError)")
    }

    /// Every refusal says what is wrong on one line and leaves the target root as it was.
    @Test func refusalsChangeNothing() throws {
        let repository = try Repository()
        defer { repository.temp.remove() }
        let source = try DaemonHarness(label: "rs-refusals", options: repository.daemonOptions)
        defer { source.stop() }
        try expectOK(source.dokuen(["backup", "init"]))
        try expectOK(source.dokuen(["apps", "create", "rsonly"]))
        try expectOK(source.dokuen(["apps", "create", "rsother"]))
        try expectOK(source.dokuen(["backup", "create"]))
        // A second snapshot with one more app (another set of paths for restic): the default is the newest.
        try expectOK(source.dokuen(["apps", "create", "rsthird"]))
        try expectOK(source.dokuen(["backup", "create"]))
        let target = try DaemonHarness(label: "rs-refused")
        defer { target.stop() }
        let wrong = target.temp("wrong-password")
        try AtomicFile.write(Array("not it\n".utf8), to: wrong, mode: 0o600)
        let cases: [([String], String)] = [
            (
                ["--from", repository.path, "--password-file", repository.passwordFile, "0123abcd"],
                "unable to restore snapshot 0123abcd from \(repository.path): the repository has no such snapshot"
            ),
            (
                ["--from", repository.path, "--password-file", wrong],
                "unable to open repository \(repository.path): wrong password"
            ),
            (
                ["--from", repository.temp("nothing"), "--password-file", repository.passwordFile],
                "unable to open repository \(repository.temp("nothing")): there is no restic repository there"
            ),
            (
                ["--from", repository.path, "--password-file", repository.passwordFile, "--apps", "rsonly,rsnope"],
                "unable to restore app rsnope: the snapshot has no app of that name (it has rsonly, rsother, rsthird)"
            ),
        ]
        for (arguments, message) in cases {
            let refused = try restore(target, arguments)
            #expect(refused.status == .exited(1))
            #expect(refused.standardError == "dokuen: error: \(message)\n")
            try expectEmpty(target)
        }
        // A snapshot of a newer dokuen (format 2; tagged otherwise, so the latest dokuen one stays the one above) is
        // refused once its manifest is read.
        let staged = repository.temp("newer")
        try Posix.mkdir(staged)
        try Posix.mkdir(staged + "/backup")
        try AtomicFile.write(
            Array(#"{"format": 2, "schemaVersion": 1, "apps": [], "addons": []}"#.utf8),
            to: staged + "/backup/manifest.json")
        let newer = try expectOK(
            runProgram(
                "/bin/sh",
                [
                    "-c",
                    "cd \"$1\" && exec /usr/bin/restic -r \"$2\" --password-file \"$3\" backup --tag rs-newer --json backup",
                    "sh", staged, repository.path, repository.passwordFile,
                ], environment: ["PATH": "/usr/bin:/bin", "HOME": repository.temp.path], deadlineSeconds: 120))
        let summary = try #require(newer.standardOutput.split(separator: "\n").last { $0.contains("snapshot_id") })
        let id = try #require(
            (try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])?["snapshot_id"] as? String)
        let refusedNewer = try restore(
            target, ["--from", repository.path, "--password-file", repository.passwordFile, id])
        #expect(refusedNewer.status == .exited(1))
        #expect(
            refusedNewer.standardError.hasPrefix(
                "dokuen: error: unable to restore the snapshot: it is of a newer dokuen (snapshot format 2, store schema 1;"
            ), "\(refusedNewer.standardError)")
        try expectEmpty(target)
        // A root with an app is refused without --force, before restic is even asked.
        try expectOK(target.dokuen(["apps", "create", "rshere"]))
        let busy = try restore(target, ["--from", repository.path, "--password-file", repository.passwordFile])
        #expect(
            busy.standardError
                == "dokuen: error: unable to restore into \(target.root): it is not empty (rshere); restore into an "
                + "empty root, or give --force to add to it (an app or add-on of the same name is never replaced)\n")
        #expect(try expectOK(target.dokuen(["apps"])).standardOutput.contains("rsonly") == false)
        // With --force it adds the snapshot's apps beside it; --apps picks some.
        try expectOK(
            restore(
                target,
                ["--from", repository.path, "--password-file", repository.passwordFile, "--force", "--apps", "rsonly"]))
        let apps = try JSONDecoder().decode(
            [AppInfo].self, from: Data(try expectOK(target.dokuen(["apps", "--json"])).stdout))
        #expect(apps.map(\.name) == ["rshere", "rsonly"])
    }

    /// A repository reached over SFTP (restic's `-o sftp.command=…`), served by a real sshd on loopback.
    @Test(.enabled(if: access("/usr/sbin/sshd", X_OK) == 0, "needs openssh-server"))
    func aRestoreReadsAnSFTPRepository() throws {
        let repository = try Repository()
        defer { repository.temp.remove() }
        let source = try DaemonHarness(label: "rs-sftp-source", options: repository.daemonOptions)
        defer { source.stop() }
        try expectOK(source.dokuen(["backup", "init"]))
        try push(
            source, "rsweb",
            [
                "Procfile": "web: exec python3 -m http.server $PORT --bind 127.0.0.1\n",
                "index.txt": "rsweb over sftp\n",
            ])
        // With its build, which a restore uses only on the root it was made under (a build embeds its path): here it
        // rebuilds, and says why.
        try expectOK(source.dokuen(["backup", "create", "--with-builds"]))

        let server = try SSHTests.SSHServer(directory: repository.temp("sshd"), users: ["root"])
        defer { server.stop() }
        let key = repository.temp("id")
        try SSHTests.makeKey(key)
        try Posix.rename(key + ".pub", repository.temp("sshd") + "/keys/root")
        let command =
            (server.client(key: key) + ["root@127.0.0.1", "/usr/lib/openssh/sftp-server"]).joined(separator: " ")
        let target = try DaemonHarness(label: "rs-sftp-target")
        defer { target.stop() }
        let restored = try expectOK(
            restore(
                target,
                [
                    "--from", "sftp:root@127.0.0.1:" + repository.path, "--password-file", repository.passwordFile,
                    "--option", "sftp.command=" + command,
                ]))
        #expect(restored.standardOutput.contains("rsweb  v1  http://127.0.0.1:"), "\(restored.standardOutput)")
        #expect(
            restored.standardOutput.contains(
                "the snapshot's builds were made under \(source.root), not \(target.root): each app is rebuilt"),
            "\(restored.standardOutput)")
        #expect(restored.standardOutput.contains("Rebuilding rsweb v1"), "\(restored.standardOutput)")
        #expect(try body(target, "rsweb", path: "/index.txt") == "rsweb over sftp\n")
    }
}
