import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// `dokuen apps …` through the real dokuend over its Unix socket.
@Suite(.timeLimit(.minutes(2))) struct AppsAPITests {
    @Test func createListInfoDestroy() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        #expect(
            try daemon.dokuen(["apps", "list"]).standardOutput
                == "No apps yet. Create one with: dokuen apps create NAME\n")
        let created = try daemon.dokuen(["apps", "create", "blog"])
        #expect(created.status == .exited(0))
        #expect(created.standardOutput.hasPrefix("Created blog\nPushes of main"), "\(created.standardOutput)")
        #expect(created.standardOutput.contains("  git remote add dokuen \(daemon.root)/apps/blog/repo.git\n"))
        #expect(try daemon.dokuen(["create", "--application", "shop"]).status == .exited(0), "Dokuen 2012's verb")

        let listed = try daemon.dokuen(["apps", "list", "--json"])
        let apps = try JSONDecoder().decode([AppInfo].self, from: Data(listed.stdout))
        #expect(apps.map(\.name) == ["blog", "shop"])
        #expect(apps.allSatisfy { $0.release == nil })
        #expect(try daemon.dokuen(["apps", "info", "blog"]).standardOutput.hasPrefix("name:     blog\n"))

        #expect(try daemon.dokuen(["apps", "destroy", "shop", "--confirm", "shop"]).status == .exited(0))
        #expect(try daemon.dokuen(["apps"]).standardOutput == "blog\tnot deployed\n")
    }

    /// The event log names the unix user the kernel reports for the socket's peer (SO_PEERCRED); a client can add
    /// whom it acts for (a gitolite user) but cannot replace that name.
    @Test func eventsNameThePeerUser() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let user = try #require(Posix.userName(uid: Posix.geteuid()))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        #expect(try daemon.dokuen(["apps", "create", "shop"], environment: ["GL_USER": "alice"]).status == .exited(0))
        let events = try JSONDecoder().decode(
            [EventEntry].self, from: Data(try daemon.dokuen(["events", "--json"]).stdout))
        let creators = events.filter { $0.action == "app.create" }.map { "\($0.app ?? "-") \($0.actor)" }
        #expect(creators.sorted() == ["blog \(user)", "shop alice (via \(user))"])
    }

    /// Bad input: one clear error line, a non-zero exit, and nothing changed on disk.
    @Test(arguments: [
        (
            ["apps", "create", "Blog"], 64,
            "dokuen: error: invalid app name \"Blog\": it contains uppercase 'B' at position 1"
        ),
        (["apps", "create", "../x"], 64, "dokuen: error: invalid app name \"../x\""),
        (
            ["apps", "create", "taken"], 1,
            "dokuen: error: unable to create app taken: an app of that name already exists"
        ),
        (["apps", "info", "nope"], 1, "dokuen: error: unable to find app nope: there is no app of that name"),
        (["apps", "destroy", "taken"], 64, "dokuen: error: destroying taken needs --confirm taken"),
        (
            ["apps", "destroy", "taken", "--confirm", "other"], 64,
            "dokuen: error: destroying taken needs --confirm taken"
        ),
        (["apps", "bogus"], 64, "dokuen: error: "),
        (["ps", "scale", "taken", "web=x"], 64, "dokuen: error: invalid formation \"web=x\""),
        (["config", "set", "taken", "DOKUEN_SCALE=web=x"], 1, "dokuen: error: invalid DOKUEN_SCALE \"web=x\": "),
        (["ps", "scale", "nope", "web=1"], 1, "dokuen: error: unable to find app nope"),
        (["status", "Bad:web"], 64, "dokuen: error: invalid target \"Bad:web\""),
        (["stop", "taken:web.0"], 64, "dokuen: error: invalid target \"taken:web.0\""),
        (["stop", "taken:web.1"], 1, "dokuen: error: unable to find process type web of app taken"),
        (["stop", "nope"], 1, "dokuen: error: unable to find app nope"),
        (["config", "set", "nope", "A=1"], 1, "dokuen: error: unable to find app nope"),
        (["config", "set", "taken", "A.B=1"], 64, "dokuen: error: invalid config key \"A.B\""),
        (["deploy", "Bad", "/tmp"], 64, "dokuen: error: invalid app name \"Bad\""),
        (["restart"], 64, "dokuen: error: name at least one target"),
        (["scale", "web=1", "--application", "nope"], 1, "dokuen: error: unable to find app nope"),
    ])
    func badInputChangesNothing(_ arguments: [String], _ code: Int32, _ message: String) throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "taken"]).status == .exited(0))
        let before = try snapshot(daemon.root)
        let result = try daemon.dokuen(arguments)
        #expect(result.status == .exited(code))
        #expect(result.standardError.hasPrefix(message), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").first.map { $0.hasPrefix("dokuen: error: ") } == true)
        #expect(try snapshot(daemon.root) == before)
    }

    @Test func theSocketIsOwnerAndGroupOnly() throws {
        let daemon = try DaemonHarness()
        defer { daemon.stop() }
        let info = try #require(try Posix.lstat(daemon.root + "/run/dokuend.sock"))
        #expect(info.permissions & 0o777 == 0o660)
        #expect(info.kind == .socket)
    }

    @Test func aStoppedDaemonIsReportedClearly() throws {
        let temp = try TemporaryDirectory("nodaemon")
        defer { temp.remove() }
        let result = try runProgram(builtProductsDirectory() + "/dokuen", ["apps", "list", "--root", temp.path])
        #expect(result.status == .exited(1))
        #expect(
            result.standardError.hasPrefix("dokuen: error: unable to reach dokuend at \(temp.path)/run/dokuend.sock"))
        #expect(result.standardError.hasSuffix("is dokuend running? (start it with scripts/up)\n"))
    }

    /// Every file under the root with its size and mode, except the database's own files (WAL bookkeeping may
    /// move on a read) — the apps/ tree and env files are what must not change.
    func snapshot(_ root: String) throws -> [String] {
        var entries: [String] = []
        func walk(_ path: String) throws {
            for name in try Posix.listDirectory(path) {
                let child = path + "/" + name
                guard let info = try Posix.lstat(child) else { continue }
                if name.hasPrefix("dokuen.sqlite") || name == "dokuend.sock" { continue }
                entries.append("\(child) \(info.kind) \(info.permissions) \(info.size)")
                if info.kind == .directory { try walk(child) }
            }
        }
        try walk(root)
        return entries
    }
}
