import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// The newest installed PostgreSQL's bin directory.
let addonPostgresBin: String? = {
    let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
        .compactMap(Int.init).sorted()
    return versions.last.map { "/usr/lib/postgresql/\($0)/bin" }
}()

/// Issue 16 (docs/ADDONS.md): real PostgreSQL and Redis servers from Debian's packages, made and supervised by
/// dokuend under shims, linked to real apps through their config.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(if: geteuid() == 0, "needs root: add-ons and apps get users of their own"),
    .enabled(if: addonPostgresBin != nil, "needs Debian's postgresql package"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server"), "needs redis-server"))
struct AddonTests {
    static var postgresBin: String? { addonPostgresBin }

    static let procfile = "web: exec python3 -m http.server $PORT --bind 127.0.0.1\n"

    func deployWeb(_ daemon: DaemonHarness, _ name: String) throws {
        let directory = daemon.temp("src-\(name)")
        try Posix.mkdir(directory)
        try AtomicFile.write(Array(Self.procfile.utf8), to: directory + "/Procfile")
        try AtomicFile.write(Array("hello from \(name)\n".utf8), to: directory + "/index.txt")
        try expectOK(daemon.dokuen(["apps", "create", name]))
        try expectOK(daemon.dokuen(["deploy", name, directory]))
    }

    @discardableResult
    func expectOK(_ result: ProgramResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> ProgramResult {
        #expect(result.status == .exited(0), "\(result.standardError)", sourceLocation: sourceLocation)
        return result
    }

    func info(_ daemon: DaemonHarness, _ name: String) throws -> AddonInfo {
        let result = try daemon.dokuen(["addons", "info", name, "--json"])
        guard result.status == .exited(0) else {
            throw ProgramRunError(description: "addons info \(name): \(result.standardError)")
        }
        return try JSONDecoder().decode(AddonInfo.self, from: Data(result.stdout))
    }

    func config(_ daemon: DaemonHarness, _ app: String) throws -> [String: String] {
        try JSONDecoder().decode(
            [String: String].self, from: Data(try daemon.dokuen(["config", "show", app, "--json", "--reveal"]).stdout))
    }

    /// psql with a connection URL, as root from the test (the URL carries the app's own password).
    func psql(_ url: String, _ sql: String) throws -> ProgramResult {
        try runProgram(
            Self.postgresBin! + "/psql", [url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"], deadlineSeconds: 30)
    }

    /// Runs `script` with sh inside `app`, as its user, with its config (`dokuen run`).
    func inside(_ daemon: DaemonHarness, _ app: String, _ script: String) throws -> ProgramResult {
        try daemon.dokuen(["run", app, "--", "sh", "-c", script])
    }

    func webPID(_ daemon: DaemonHarness, _ app: String) throws -> Int32? {
        try daemon.statuses().first { $0.app == app && $0.type == "web" && $0.state == "RUNNING" }?.pid
    }

    /// Stops every add-on shim left on the root and removes the add-ons' users, before `daemon.stop()`'s own cleanup
    /// of the apps' (by pid, with the shim's `x`). The daemon goes first: it would start a stopped add-on again.
    func cleanUp(_ daemon: DaemonHarness) {
        _ = try? daemon.daemon.signal(SIGKILL)
        _ = try? daemon.daemon.wait(milliseconds: 10_000)
        let services = daemon.root + "/run/addons"
        for name in (try? Posix.listDirectory(services)) ?? [] {
            let directory = services + "/" + name
            _ = try? runProgram(daemon.bin + "/dokuen-shim", ["ctl", directory, "x"], deadlineSeconds: 10)
            if let text = try? Posix.readFile(directory + "/status"),
                let line = String(decoding: text, as: UTF8.self).split(separator: "\n").first(where: {
                    $0.hasPrefix("shim_pid=")
                }), let pid = Int32(line.dropFirst(9)), pid > 0,
                !((try? Posix.waitForExit(pid: pid, milliseconds: 40_000)) ?? true)
            {
                _ = try? Posix.kill(pid, SIGKILL)
            }
        }
        guard let passwd = try? Posix.readFile("/etc/passwd") else { return }
        for line in String(decoding: passwd, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 6, fields[4].hasPrefix("dokuen addon "), fields[5].hasPrefix(daemon.root + "/")
            else { continue }
            _ = try? runProgram("/usr/bin/pkill", ["-KILL", "-U", String(fields[0])], deadlineSeconds: 10)
            _ = try? runProgram("/usr/sbin/userdel", [String(fields[0])], deadlineSeconds: 30)
        }
    }

    @Test func postgresIsSupervisedLinkedIsolatedAndFollowed() throws {
        let daemon = try DaemonHarness(label: "addon-pg")
        defer {
            cleanUp(daemon)
            daemon.stop()
        }
        try deployWeb(daemon, "shop")
        try expectOK(daemon.dokuen(["apps", "create", "blog"]))

        let created = try expectOK(daemon.dokuen(["addons", "create", "postgres", "db"]))
        #expect(created.standardOutput.contains("RUNNING"))
        let first = try info(daemon, "db")
        #expect(first.kind == "postgres" && first.state == "RUNNING" && first.pid != nil)
        // Its files are its own user's and no one else's.
        let directory = try #require(try Posix.lstat(daemon.root + "/addons/db"))
        #expect(directory.permissions == 0o700 && directory.uid != 0)
        let secret = try #require(try Posix.lstat(daemon.root + "/addons/db/secret"))
        #expect(secret.permissions == 0o600 && secret.uid == directory.uid)
        // The server runs as that user too.
        let owner = try #require(try Posix.lstat("/proc/\(first.pid!)"))
        #expect(owner.uid == directory.uid)

        // connect runs psql as the superuser (here with a pipe for its terminal); logs shows the server's output.
        let connected = try dokuen(daemon, ["addons", "connect", "db"], input: Array("SELECT current_user;\n".utf8))
        #expect(connected.standardOutput.contains("dokuen_admin"), "\(connected.standardError)")
        let logs = try expectOK(daemon.dokuen(["addons", "logs", "db", "-n", "20"]))
        #expect(logs.standardOutput.contains("database system is ready to accept connections"))
        // -f prints what the server writes after it started: a refused login's FATAL line.
        let followed = daemon.temp("addon-logs.out")
        let follower = try BackgroundProgram(
            "/bin/sh",
            ["-c", "exec \"$0\" \"$@\" > \(followed)", daemon.bin + "/dokuen", "addons", "logs", "db", "-f", "-n", "1"]
                + ["--root", daemon.root],
            environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path])
        defer { follower.stop() }
        try daemon.waitFor("the follower's backlog") {
            let bytes = (try? Posix.readFile(followed)) ?? []
            return !bytes.isEmpty
        }
        _ = try psql("postgres://intruder:wrong@127.0.0.1:\(first.port)/postgres", "SELECT 1")
        try daemon.waitFor("the follower saw the refused login") {
            String(decoding: try Posix.readFile(followed), as: UTF8.self).contains("intruder")
        }

        try expectOK(daemon.dokuen(["addons", "link", "shop", "db"]))
        try expectOK(daemon.dokuen(["addons", "link", "blog", "db", "--as", "MAIN"]))
        let shopURL = try #require(try config(daemon, "shop")["DATABASE_URL"])
        let blogURL = try #require(try config(daemon, "blog")["MAIN_URL"])
        #expect(shopURL.hasPrefix("postgres://shop:") && shopURL.hasSuffix(":\(first.port)/shop"))
        // config show never prints the password unless asked to.
        let shown = try expectOK(daemon.dokuen(["config", "show", "shop"])).standardOutput
        #expect(shown.contains("DATABASE_URL=postgres://shop:****@127.0.0.1:\(first.port)/shop"))
        #expect(!shown.contains(String(shopURL.split(separator: ":")[2].split(separator: "@")[0])))
        #expect(try daemon.dokuen(["config", "get", "shop", "DATABASE_URL"]).standardOutput == shopURL + "\n")

        // Linking twice, and destroying while linked, are refused and change nothing.
        let twice = try daemon.dokuen(["addons", "link", "shop", "db"])
        #expect(twice.status == .exited(1) && twice.standardError.contains("already linked"))
        let linked = try daemon.dokuen(["addons", "destroy", "db", "--confirm", "db"])
        #expect(linked.status == .exited(1) && linked.standardError.contains("shop"))
        #expect(try info(daemon, "db").links.count == 2)

        // The app itself, as its own user, writes and reads rows through DATABASE_URL.
        let written = try inside(
            daemon, "shop",
            #"\#(Self.postgresBin!)/psql "$DATABASE_URL" -X -q -A -t -v ON_ERROR_STOP=1 -c "CREATE TABLE items (n int); INSERT INTO items SELECT generate_series(1, 100); SELECT sum(n) FROM items""#
        )
        #expect(written.status == .exited(0), "\(written.standardError)")
        #expect(written.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "5050")

        // Each app sees only its own database: blog's credentials cannot open shop's.
        let shopDatabase = String(blogURL[..<blogURL.lastIndex(of: "/")!]) + "/shop"
        let cross = try psql(shopDatabase, "SELECT 1")
        #expect(cross.status != .exited(0))
        #expect(cross.standardError.contains("no pg_hba.conf entry"), "\(cross.standardError)")
        #expect(try psql(blogURL, "SELECT current_database()").standardOutput.contains("blog"))

        // kill -9 of the postmaster: the add-on is RUNNING again on the same rows, and shop, which follows it, is
        // restarted after it.
        let shopBefore = try #require(try webPID(daemon, "shop"))
        _ = try Posix.kill(first.pid!, SIGKILL)
        try daemon.waitFor("db RUNNING again with a new pid") {
            let now = try info(daemon, "db")
            return now.state == "RUNNING" && now.pid != nil && now.pid != first.pid
        }
        try daemon.waitUntil("shop's web restarted after db") { statuses in
            statuses.contains {
                $0.app == "shop" && $0.type == "web" && $0.state == "RUNNING" && $0.pid != nil && $0.pid != shopBefore
            }
        }
        #expect(try psql(shopURL, "SELECT sum(n) FROM items").standardOutput.contains("5050"))

        // kill -9 of dokuend: neither the add-on nor the app is restarted.
        let addonPID = try info(daemon, "db").pid
        let shopPID = try webPID(daemon, "shop")
        try daemon.restart()
        #expect(try info(daemon, "db").pid == addonPID)
        #expect(try info(daemon, "db").state == "RUNNING")
        #expect(try webPID(daemon, "shop") == shopPID)

        // unlink: the key leaves the config, the role can no longer log in, the data stays.
        try expectOK(daemon.dokuen(["addons", "unlink", "blog", "db"]))
        #expect(try config(daemon, "blog")["MAIN_URL"] == nil)
        let refused = try psql(blogURL, "SELECT 1")
        #expect(refused.status != .exited(0) && refused.standardError.contains("not permitted to log in"))

        // A linked app that is destroyed leaves no role that can log in.
        try expectOK(daemon.dokuen(["apps", "create", "temp"]))
        try expectOK(daemon.dokuen(["addons", "link", "temp", "db"]))
        let tempURL = try #require(try config(daemon, "temp")["DATABASE_URL"])
        #expect(try psql(tempURL, "SELECT 1").status == .exited(0))
        try expectOK(daemon.dokuen(["apps", "destroy", "temp", "--confirm", "temp"]))
        #expect(try psql(tempURL, "SELECT 1").standardError.contains("not permitted to log in"))
        #expect(try info(daemon, "db").links.map(\.app) == ["shop"])

        // destroy --force unlinks shop first; --purge removes the data and the user.
        try expectOK(daemon.dokuen(["addons", "destroy", "db", "--confirm", "db", "--force", "--purge"]))
        #expect(try config(daemon, "shop")["DATABASE_URL"] == nil)
        #expect(!Posix.exists(daemon.root + "/addons/db"))
        #expect(UserEntry.named("dka-db") == nil)
        let lock = daemon.root + "/run/addons/db/lock"
        let held = Posix.exists(lock) ? try FileLock.isHeld(lock) : false
        #expect(!held)
    }

    @Test func redisIsSupervisedAndLinked() throws {
        let daemon = try DaemonHarness(label: "addon-redis")
        defer {
            cleanUp(daemon)
            daemon.stop()
        }
        try deployWeb(daemon, "cache")
        try expectOK(daemon.dokuen(["addons", "create", "redis", "kv"]))
        let first = try info(daemon, "kv")
        #expect(first.kind == "redis" && first.state == "RUNNING")
        let up = try MetricsTests.scrape(daemon)
        #expect(MetricsTests.value(up, #"dokuen_addon_up{addon="kv",kind="redis"}"#) == 1, "\(up)")
        // `dokuen status` shows it beside the apps' instances, and by its own target.
        let status = try expectOK(daemon.dokuen(["status"]))
        #expect(
            status.standardOutput.contains("addon:kv        RUNNING   pid \(first.pid!), port \(first.port), redis"))
        #expect(status.standardOutput.contains("cache:web.1"))
        let only = try expectOK(daemon.dokuen(["status", "addon:kv"]))
        #expect(only.standardOutput.hasPrefix("addon:kv") && !only.standardOutput.contains("cache:web.1"))
        #expect(try daemon.dokuen(["status", "addon:nothing"]).status == .exited(4))
        try expectOK(daemon.dokuen(["addons", "link", "cache", "kv", "--no-follow"]))
        let url = try #require(try config(daemon, "cache")["REDIS_URL"])
        #expect(url.hasPrefix("redis://default:") && url.hasSuffix("@127.0.0.1:\(first.port)/0"))

        // The app writes and reads a key through REDIS_URL; without the password the server refuses.
        let set = try inside(daemon, "cache", #"redis-cli -u "$REDIS_URL" --no-auth-warning SET greeting hello"#)
        #expect(set.standardOutput.contains("OK"), "\(set.standardError)")
        let anonymous = try runProgram(
            "/usr/bin/redis-cli", ["-p", String(first.port), "GET", "greeting"], deadlineSeconds: 10)
        #expect(anonymous.standardOutput.contains("NOAUTH"))

        // kill -9 of the server: RUNNING again with the key (AOF, fsync always); cache does not follow (--no-follow).
        let cacheBefore = try webPID(daemon, "cache")
        _ = try Posix.kill(first.pid!, SIGKILL)
        try daemon.waitFor("kv RUNNING again with a new pid") {
            let now = try info(daemon, "kv")
            return now.state == "RUNNING" && now.pid != nil && now.pid != first.pid
        }
        let get = try inside(daemon, "cache", #"redis-cli -u "$REDIS_URL" --no-auth-warning GET greeting"#)
        #expect(get.standardOutput.contains("hello"), "\(get.standardError)")
        #expect(try webPID(daemon, "cache") == cacheBefore)

        // destroy without --purge keeps the data; a create of the same name and kind takes it over.
        try expectOK(daemon.dokuen(["addons", "destroy", "kv", "--confirm", "kv", "--force"]))
        #expect(Posix.exists(daemon.root + "/addons/kv/data"))
        try expectOK(daemon.dokuen(["addons", "create", "redis", "kv"]))
        try expectOK(daemon.dokuen(["addons", "link", "cache", "kv"]))
        let again = try inside(daemon, "cache", #"redis-cli -u "$REDIS_URL" --no-auth-warning GET greeting"#)
        #expect(again.standardOutput.contains("hello"), "\(again.standardError)")
        try expectOK(daemon.dokuen(["addons", "destroy", "kv", "--confirm", "kv", "--force", "--purge"]))
    }

    /// `stop all` stops the apps, then the add-ons, and they stay stopped across a restart of dokuend; `start all`
    /// starts the add-ons (answering) before the apps; `restart addon:NAME` restarts its server, and the apps that
    /// follow it restart once it answers.
    @Test func stopAllStartAllAndRestartReachTheAddons() throws {
        let daemon = try DaemonHarness(label: "addon-stop")
        defer {
            cleanUp(daemon)
            daemon.stop()
        }
        try deployWeb(daemon, "cache")
        try expectOK(daemon.dokuen(["addons", "create", "redis", "kv"]))
        try expectOK(daemon.dokuen(["addons", "link", "cache", "kv"]))
        let first = try info(daemon, "kv")
        let server = try #require(first.pid)

        let stopped = try expectOK(daemon.dokuen(["stop", "all"]))
        #expect(stopped.standardOutput.hasPrefix("Stopped all\n"), "\(stopped.standardOutput)")
        #expect(try info(daemon, "kv").state == "STOPPED")
        #expect(!Posix.exists("/proc/\(server)"), "the server is gone once stop all returns")
        #expect(try webPID(daemon, "cache") == nil)
        // Kept across a restart of dokuend: it neither starts the add-on nor the app.
        try daemon.restart()
        #expect(try info(daemon, "kv").state == "STOPPED")
        #expect(try webPID(daemon, "cache") == nil)

        try expectOK(daemon.dokuen(["start", "all"]))
        let started = try info(daemon, "kv")
        #expect(started.state == "RUNNING" && started.pid != server)
        #expect(try webPID(daemon, "cache") != nil)

        // restart addon:kv: a new server, and cache (it follows kv) restarts once kv answers.
        let web = try webPID(daemon, "cache")
        let restarted = try expectOK(daemon.dokuen(["restart", "addon:kv"]))
        #expect(restarted.standardOutput.hasPrefix("Restarting addon:kv"), "\(restarted.standardOutput)")
        try daemon.waitFor("kv with a new server and cache restarted") {
            let now = try info(daemon, "kv")
            let pid = try webPID(daemon, "cache")
            return now.state == "RUNNING" && now.pid != started.pid && pid != nil && pid != web
        }
        // One add-on alone, by its target; a restart of a stopped one is refused with the way out.
        try expectOK(daemon.dokuen(["stop", "addon:kv"]))
        let refused = try daemon.dokuen(["restart", "addon:kv"])
        #expect(refused.status == .exited(1) && refused.standardError.contains("dokuen start addon:kv"))
        try expectOK(daemon.dokuen(["start", "addon:kv"]))
        #expect(try info(daemon, "kv").state == "RUNNING")
        try expectOK(daemon.dokuen(["addons", "destroy", "kv", "--confirm", "kv", "--force", "--purge"]))
    }

    @Test func badInputIsRefusedAndChangesNothing() throws {
        let daemon = try DaemonHarness(label: "addon-bad")
        defer {
            cleanUp(daemon)
            daemon.stop()
        }
        let cases: [([String], Int32, String)] = [
            (
                ["addons", "create", "mysql", "db"], 64,
                #"invalid add-on kind "mysql": the kinds are postgres and redis"#
            ),
            (["addons", "create", "postgres", "Bad_Name"], 64, #"invalid add-on name "Bad_Name""#),
            (["addons", "create", "postgres", "a--"], 64, "invalid add-on name"),
            (["addons", "info", "nothing"], 1, "unable to find add-on nothing"),
            (["addons", "link", "ghost", "nothing"], 1, "unable to find add-on nothing"),
            (["addons", "link", "blog", "db", "--as", "lower"], 64, #"invalid add-on alias "lower""#),
            (["addons", "destroy", "nothing", "--confirm", "nothing"], 1, "unable to find add-on nothing"),
        ]
        for (arguments, status, message) in cases {
            let result = try daemon.dokuen(arguments)
            #expect(result.status == .exited(status), "\(arguments): \(result.standardError)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
        }
        // The API refuses what the CLI would have caught, in the same words.
        let client = UnixHTTPClient(socketPath: daemon.root + "/run/dokuend.sock")
        let raw = try client.send(
            "POST", "/v1/addons", body: Array(#"{"kind": "mysql", "name": "db"}"#.utf8))
        #expect(raw.status == 400)
        #expect(String(decoding: raw.body, as: UTF8.self).contains("invalid add-on kind"))
        let badName = try client.send("POST", "/v1/addons", body: Array(#"{"kind": "redis", "name": "../x"}"#.utf8))
        #expect(badName.status == 400)
        #expect(!Posix.exists(daemon.root + "/addons"))

        // A link to an app that does not exist changes nothing.
        try expectOK(daemon.dokuen(["addons", "create", "redis", "kv"]))
        let ghost = try daemon.dokuen(["addons", "link", "ghost", "kv"])
        #expect(ghost.status == .exited(1) && ghost.standardError.contains("unable to find app ghost"))
        #expect(try info(daemon, "kv").links.isEmpty)
        // An app PostgreSQL's own names would clash with is refused.
        try expectOK(daemon.dokuen(["addons", "create", "postgres", "db"]))
        try expectOK(daemon.dokuen(["apps", "create", "postgres"]))
        let reserved = try daemon.dokuen(["addons", "link", "postgres", "db"])
        #expect(reserved.status == .exited(1) && reserved.standardError.contains("keeps for itself"))
        #expect(try config(daemon, "postgres").isEmpty)
        #expect(try info(daemon, "db").links.isEmpty)
        // The same name twice.
        let taken = try daemon.dokuen(["addons", "create", "redis", "db"])
        #expect(taken.status == .exited(1) && taken.standardError.contains("already exists"))
        #expect(try info(daemon, "db").kind == "postgres")
    }

    @Test func dataOfAnotherVersionIsNeverStarted() throws {
        let daemon = try DaemonHarness(label: "addon-version")
        defer {
            cleanUp(daemon)
            daemon.stop()
        }
        try expectOK(daemon.dokuen(["addons", "create", "postgres", "old"]))
        try expectOK(daemon.dokuen(["addons", "destroy", "old", "--confirm", "old"]))
        // The kept cluster now claims an older major version than the installed binaries.
        try AtomicFile.write(Array("9\n".utf8), to: daemon.root + "/addons/old/data/PG_VERSION")
        let refused = try daemon.dokuen(["addons", "create", "postgres", "old"])
        #expect(refused.status == .exited(69), "\(refused.standardError)")
        #expect(refused.standardError.contains("its data is PostgreSQL 9"), "\(refused.standardError)")
        #expect(try daemon.dokuen(["addons", "info", "old"]).status == .exited(1))
        #expect(Posix.exists(daemon.root + "/addons/old/data/base"))
    }

    /// The CLI with `input` on its stdin.
    func dokuen(_ daemon: DaemonHarness, _ arguments: [String], input: [UInt8]) throws -> ProgramResult {
        try runProgram(
            daemon.bin + "/dokuen", arguments + ["--root", daemon.root],
            environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path], stdin: input)
    }

    @Test func dumpAndRestoreGiveTheSameRowsAndRefuseBrokenDumps() throws {
        let daemon = try DaemonHarness(label: "addon-dump")
        defer {
            cleanUp(daemon)
            daemon.stop()
        }
        try expectOK(daemon.dokuen(["apps", "create", "shop"]))
        try expectOK(daemon.dokuen(["addons", "create", "postgres", "db"]))
        try expectOK(daemon.dokuen(["addons", "link", "shop", "db"]))
        let url = try #require(try config(daemon, "shop")["DATABASE_URL"])
        try expectOK(
            psql(
                url,
                "CREATE TABLE items (n int, label text); INSERT INTO items SELECT i, md5(i::text) FROM generate_series(1, 5000) i"
            ))
        let checksum = "SELECT md5(string_agg(n::text || label, ',' ORDER BY n)) FROM items"
        let before = try psql(url, checksum).standardOutput
        #expect(before.count > 30)

        let dumped = try expectOK(daemon.dokuen(["addons", "dump", "db"]))
        #expect(dumped.stdout.starts(with: Array("PGDMP".utf8)))

        // A truncated dump and a file that is no dump are refused, and the data stays as it was.
        let truncated = try dokuen(
            daemon, ["addons", "restore", "db"], input: Array(dumped.stdout.prefix(dumped.stdout.count / 2)))
        #expect(
            truncated.status == .exited(1) && truncated.standardError.contains("not a whole PostgreSQL"),
            "\(truncated.standardError)")
        let text = try dokuen(daemon, ["addons", "restore", "db"], input: Array("hello\n".utf8))
        #expect(
            text.status == .exited(1) && text.standardError.contains("nothing was changed"), "\(text.standardError)")
        #expect(try psql(url, checksum).standardOutput == before)

        // dump → destroy --purge → create → restore gives the same rows, owned by the app's role.
        try expectOK(daemon.dokuen(["addons", "destroy", "db", "--confirm", "db", "--force", "--purge"]))
        try expectOK(daemon.dokuen(["addons", "create", "postgres", "db"]))
        try expectOK(daemon.dokuen(["addons", "link", "shop", "db"]))
        let fresh = try #require(try config(daemon, "shop")["DATABASE_URL"])
        #expect(fresh != url)
        #expect(
            try psql(fresh, "SELECT count(*) FROM pg_tables WHERE tablename = 'items'").standardOutput.contains("0"))
        let restored = try dokuen(daemon, ["addons", "restore", "db"], input: dumped.stdout)
        #expect(restored.status == .exited(0), "\(restored.standardError)")
        #expect(try psql(fresh, checksum).standardOutput == before)
        try expectOK(psql(fresh, "INSERT INTO items VALUES (0, 'written after the restore')"))

        // Redis: a snapshot, the same refusals, and the key back after a restore.
        try expectOK(daemon.dokuen(["addons", "create", "redis", "kv"]))
        try expectOK(daemon.dokuen(["addons", "link", "shop", "kv"]))
        let redis = try #require(try config(daemon, "shop")["REDIS_URL"])
        func cli(_ words: [String]) throws -> String {
            try runProgram("/usr/bin/redis-cli", ["-u", redis, "--no-auth-warning"] + words, deadlineSeconds: 10)
                .standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try cli(["SET", "greeting", "hello"]) == "OK")
        let snapshot = try expectOK(daemon.dokuen(["addons", "dump", "kv"]))
        #expect(snapshot.stdout.starts(with: Array("REDIS".utf8)))
        #expect(try cli(["SET", "greeting", "changed"]) == "OK")
        let broken = try dokuen(
            daemon, ["addons", "restore", "kv"], input: Array(snapshot.stdout.prefix(snapshot.stdout.count - 12)))
        #expect(
            broken.status == .exited(1) && broken.standardError.contains("not a whole Redis RDB"),
            "\(broken.standardError)")
        #expect(try cli(["GET", "greeting"]) == "changed")
        try expectOK(dokuen(daemon, ["addons", "restore", "kv"], input: snapshot.stdout))
        #expect(try cli(["GET", "greeting"]) == "hello")
        #expect(!Posix.exists(daemon.root + "/addons/kv/data.old"))
    }

    @Test func anAppsNewInstancesWaitForItsAddons() throws {
        let daemon = try DaemonHarness(label: "addon-wait", options: ["--boot-timeout", "3"])
        defer {
            cleanUp(daemon)
            daemon.stop()
        }
        try deployWeb(daemon, "cache")
        try expectOK(daemon.dokuen(["addons", "create", "redis", "kv"]))
        try expectOK(daemon.dokuen(["addons", "link", "cache", "kv"]))
        // The add-on's server is brought down (its shim stays): a new release of cache cannot count as started.
        let service = daemon.root + "/run/addons/kv"
        try expectOK(runProgram(daemon.bin + "/dokuen-shim", ["ctl", service, "d"], deadlineSeconds: 10))
        try daemon.waitFor("kv down") { try info(daemon, "kv").state != "RUNNING" }
        let refused = try daemon.dokuen(["config", "set", "cache", "GREETING=hello"])
        #expect(refused.status == .exited(1))
        #expect(refused.standardError.contains("kv did not answer"), "\(refused.standardError)")
        #expect(try config(daemon, "cache")["GREETING"] == nil)
        // Up again: the same change goes through.
        try expectOK(runProgram(daemon.bin + "/dokuen-shim", ["ctl", service, "u"], deadlineSeconds: 10))
        try daemon.waitFor("kv up") { try info(daemon, "kv").state == "RUNNING" }
        try expectOK(daemon.dokuen(["config", "set", "cache", "GREETING=hello"]))
        #expect(try config(daemon, "cache")["GREETING"] == "hello")
    }

    static let repository = String(#filePath.prefix(upTo: #filePath.range(of: "/Tests/")!.lowerBound))

    /// What `app`'s web answers at `path`.
    func page(_ daemon: DaemonHarness, _ app: String, _ path: String) throws -> String {
        let statuses = try daemon.waitUntil("\(app) web RUNNING") { statuses in
            statuses.contains { $0.app == app && $0.type == "web" && $0.state == "RUNNING" }
        }
        let port = try #require(statuses.first { $0.app == app && $0.type == "web" && $0.state == "RUNNING" }?.port)
        return try runProgram(
            "/usr/bin/curl", ["-fsS", "--max-time", "10", "http://127.0.0.1:\(port)\(path)"], deadlineSeconds: 15
        ).standardOutput
    }

    /// The acceptance of issue 16: a Python app with psycopg2 and redis from PyPI, linked to both kinds, writes and
    /// reads through DATABASE_URL and REDIS_URL, and reads the same rows after its PostgreSQL was killed.
    @Test func aPythonAppUsesBothAddonsThroughItsConfig() throws {
        let daemon = try DaemonHarness(label: "addon-python")
        defer {
            cleanUp(daemon)
            daemon.stop()
        }
        try expectOK(daemon.dokuen(["addons", "create", "postgres", "db"]))
        try expectOK(daemon.dokuen(["addons", "create", "redis", "kv"]))
        try expectOK(daemon.dokuen(["apps", "create", "shop"]))
        // Before the first release: the links only write the config, which the first deploy takes.
        try expectOK(daemon.dokuen(["addons", "link", "shop", "db"]))
        try expectOK(daemon.dokuen(["addons", "link", "shop", "kv"]))
        let deployed = try daemon.dokuen(["deploy", "shop", Self.repository + "/Tests/Fixtures/apps/python-addons"])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        for n in 1...3 { _ = try page(daemon, "shop", "/write?n=\(n)") }
        #expect(try page(daemon, "shop", "/read") == "rows=3 sum=6 writes=3\n")

        let postmaster = try #require(try info(daemon, "db").pid)
        let before = try #require(try webPID(daemon, "shop"))
        _ = try Posix.kill(postmaster, SIGKILL)
        try daemon.waitUntil("shop's web restarted after db") { statuses in
            statuses.contains {
                $0.app == "shop" && $0.type == "web" && $0.state == "RUNNING" && $0.pid != nil && $0.pid != before
            }
        }
        #expect(try page(daemon, "shop", "/read") == "rows=3 sum=6 writes=3\n")
    }
}
