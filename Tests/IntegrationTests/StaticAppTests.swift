import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A static app (the static buildpack, or a Procfile's `static: DIR`) is served by a real nginx straight from its
/// build, with no app process; a deploy switches what it serves; a symlink cannot take nginx out of the build.
@Suite(.serialized, .timeLimit(.minutes(3))) struct StaticAppTests {
    @Test(.enabled(if: NginxHarness.binary != nil, "needs nginx (Debian's nginx-light)"))
    func aStaticAppIsServedByNginxWithNoProcess() throws {
        let harness = try NginxHarness(label: "static")
        defer { harness.stop() }
        let daemon = harness.daemon
        func get(_ path: String = "/") throws -> String { try harness.get("site.localhost", path: path).standardOutput }
        func status(_ path: String) throws -> String {
            try runProgram(
                "/usr/bin/curl",
                [
                    "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-H", "Host: site.localhost",
                    "http://127.0.0.1:\(harness.port)\(path)",
                ]
            ).standardOutput
        }
        #expect(try daemon.dokuen(["apps", "create", "site"]).status == .exited(0))

        // The built-in static buildpack: public/index.html.
        let tree = daemon.temp("site")
        try Posix.mkdir(tree)
        try Posix.mkdir(tree + "/public")
        try AtomicFile.write(Array("one\n".utf8), to: tree + "/public/index.html")
        try Posix.symlink(target: "/etc/passwd", at: tree + "/public/passwd")
        let first = try daemon.dokuen(["deploy", "site", tree])
        #expect(first.status == .exited(0), "\(first.standardOutput)\(first.standardError)")
        #expect(first.standardOutput.contains("-----> Static app detected"), "\(first.standardOutput)")
        #expect(first.standardOutput.contains("-----> Static files: nginx serves public/ with no process\n"))
        #expect(try daemon.statuses().isEmpty, "no process runs for a static app")
        try daemon.waitFor("nginx serves the site") { try get() == "one\n" }
        #expect(try status("/passwd") != "200", "a symlink out of the build is not followed")
        #expect(try status("/missing.html") == "404")

        // A new deploy switches the files; the old build's are no longer served.
        try AtomicFile.write(Array("two\n".utf8), to: tree + "/public/index.html")
        try AtomicFile.write(Array("new page\n".utf8), to: tree + "/public/page.html")
        let second = try daemon.dokuen(["deploy", "site", tree])
        #expect(second.status == .exited(0), "\(second.standardError)")
        #expect(try get() == "two\n", "once the deploy returns, the new files are served")
        #expect(try get("/page.html") == "new page\n")
        #expect(try daemon.statuses().isEmpty)
        let releases = try daemon.dokuen(["releases", "site"]).standardOutput
        #expect(releases.contains("v2"), "\(releases)")

        // A Procfile's `static:` names the directory; one that leads out of the build is refused.
        try Posix.unlink(tree + "/public/passwd")
        try Posix.mkdir(tree + "/dist")
        try AtomicFile.write(Array("three\n".utf8), to: tree + "/dist/index.html")
        try AtomicFile.write(Array("static: dist\n".utf8), to: tree + "/Procfile")
        try AtomicFile.write(Array("SECRET=1\n".utf8), to: tree + "/dist/.env")
        try Posix.mkdir(tree + "/dist/.well-known")
        try AtomicFile.write(Array("Contact: me\n".utf8), to: tree + "/dist/.well-known/security.txt")
        #expect(try daemon.dokuen(["deploy", "site", tree]).status == .exited(0))
        #expect(try get() == "three\n")
        #expect(try status("/.env") == "404", "dotfiles are not served")
        #expect(try get("/.well-known/security.txt") == "Contact: me\n", ".well-known is")

        // The root itself replaced by a symlink after the deploy checked it, by the release command. As root, the
        // build is frozen after compile (docs/ISOLATION.md): the app's user cannot, and the deploy fails with what
        // served still serving. As an ordinary user it can: nginx follows no symlink after the build directory.
        try AtomicFile.write(
            Array("static: dist\nrelease: rm -rf dist && ln -s /etc dist\n".utf8), to: tree + "/Procfile")
        let swapped = try daemon.dokuen(["deploy", "site", tree])
        if geteuid() == 0 {
            #expect(swapped.status == .exited(1))
            #expect(swapped.standardError.contains("the release command failed"), "\(swapped.standardError)")
            #expect(try get() == "three\n")
        } else {
            #expect(swapped.status == .exited(0), "\(swapped.standardError)")
        }
        #expect(try status("/passwd") != "200", "a root swapped for a symlink out of the build is not followed")
        #expect(try status("/hostname") != "200")
        try AtomicFile.write(Array("static: dist\n".utf8), to: tree + "/Procfile")
        #expect(try daemon.dokuen(["deploy", "site", tree]).status == .exited(0))
        #expect(try get() == "three\n")
        try Posix.symlink(target: "/etc", at: tree + "/etc-link")
        for (procfile, message) in [
            ("static: etc-link\n", "static: etc-link: it leads out of the build (a symlink?)"),
            ("static: ../x\n", "invalid static directory \"../x\": it contains a '..' component"),
            ("static: nothing\n", "static: nothing: it is not a directory of the build"),
            ("static: dist\nweb: exec sleep 100\n", "an app with static: has no web: process"),
        ] {
            try AtomicFile.write(Array(procfile.utf8), to: tree + "/Procfile")
            let refused = try daemon.dokuen(["deploy", "site", tree])
            #expect(refused.status == .exited(1), "\(procfile)")
            #expect(refused.standardError.contains(message), "\(refused.standardError)")
            #expect(try get() == "three\n", "a refused deploy changes nothing")
        }
    }
}
