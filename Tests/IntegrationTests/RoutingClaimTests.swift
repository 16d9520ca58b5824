import DokuenPosix
import TestSupport
import Testing

/// Who answers for a host name, through a real nginx on loopback: a custom domain that is the base domain, an app's
/// own name or another app's domain is refused with one line and changes nothing, and a name no app has gets no
/// app's content (the catch-all answers 444, an empty reply).
@Suite(.serialized, .timeLimit(.minutes(2))) struct RoutingClaimTests {
    @Test(.enabled(if: NginxHarness.binary != nil, "needs nginx (Debian's nginx-light)"))
    func claimedNamesAreRefusedAndUnknownNamesGetNothing() throws {
        let harness = try NginxHarness(label: "rt-claims")
        defer { harness.stop() }
        let daemon = harness.daemon
        for app in ["rtblog", "rtshop"] {
            #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        }
        #expect(try daemon.dokuen(["domains", "add", "rtshop", "www.rtshop.example"]).status == .exited(0))
        try daemon.waitFor("nginx routes rtshop") {
            try harness.get("www.rtshop.example").standardOutput == "rtshop has no ready web instance\n"
        }

        func files() throws -> [String: [UInt8]] {
            var files: [String: [UInt8]] = [:]
            for name in try Posix.listDirectory(daemon.root + "/nginx") {
                files[name] = try Posix.readFile(daemon.root + "/nginx/" + name)
            }
            return files
        }
        let before = try files()
        for (domain, reason) in [
            ("localhost", "it is the base domain; every app is reached under it, at APP.localhost"),
            ("RTBLOG.localhost", "it is rtblog's own host name; every app answers at APP.localhost already"),
            ("rtshop.localhost", "it is the host name of app rtshop"),
            ("www.rtshop.example", "it is already routed to app rtshop"),
        ] {
            let refused = try daemon.dokuen(["domains", "add", "rtblog", domain])
            #expect(refused.status == .exited(1), "\(domain)")
            #expect(
                refused.standardError
                    == "dokuen: error: unable to add domain \(domain.lowercased()) to rtblog: \(reason)\n")
        }
        #expect(try files() == before, "no refused claim reaches nginx")
        #expect(try daemon.dokuen(["domains", "rtblog"]).standardOutput == "rtblog has no custom domain\n")

        // A name free now, then an app created under it: refused, since the name is taken.
        #expect(try daemon.dokuen(["domains", "add", "rtblog", "rtnews.localhost"]).status == .exited(0))
        let created = try daemon.dokuen(["apps", "create", "rtnews"])
        #expect(created.status == .exited(1))
        #expect(
            created.standardError
                == "dokuen: error: unable to create app rtnews: its host name rtnews.localhost is already routed to "
                + "app rtblog\n")

        // An unknown name: nginx closes the connection without a word, whatever apps exist.
        let unknown = try harness.get("nobody.example")
        #expect(unknown.status == .exited(52), "\(unknown.status) \(unknown.standardOutput) \(unknown.standardError)")
        #expect(unknown.standardOutput == "")
        let handshake = try harness.getTLS("nobody.example")
        #expect(handshake.status == .exited(35), "\(handshake.status) \(handshake.standardError)")
    }
}
