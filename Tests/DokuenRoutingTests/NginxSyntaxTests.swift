import DokuenPosix
import DokuenRouting
import TestSupport
import Testing

/// The goldens are valid nginx: every one is included in one configuration that the real `nginx -t` accepts.
/// The goldens' root `/var/lib/dokuen` becomes a temp directory holding the certificates and the static root
/// they name; nothing else in their text changes.
@Suite(.enabled(if: NginxPrefix.binary != nil, "needs nginx (Debian: apt-get install nginx-light)"))
struct NginxSyntaxTests {
    @Test func everyGoldenPassesNginxTest() throws {
        let prefix = try NginxPrefix(label: "ngx-syntax")
        defer { prefix.remove() }
        let names = try Posix.listDirectory(GoldenFile.directory).filter { $0.hasSuffix(".conf") }
        #expect(names.count == 12)
        for name in names {
            let text = try GoldenFile(name: name).read()
                .replacing(RouteFixtures.goldenRoot + "/", with: prefix.root + "/")
            try prefix.write(prefix.nginxDirectory + "/" + name, text)
        }
        for app in ["secure", "portal", "docs", "paused", "nas"] {
            try makeCertificate(in: prefix.root + "/certs/" + app)
        }
        for directory in [
            "apps", "apps/site", "apps/site/current", "apps/site/current/public", "apps/docs", "apps/docs/current",
            "apps/paused", "apps/paused/releases", "apps/paused/releases/b1",
        ] {
            try Posix.mkdir(prefix.root + "/" + directory)
        }
        let result = try prefix.test()
        #expect(result.status == .exited(0), "\(result.standardError)")
        #expect(result.standardError == "", "no warning either: \(result.standardError)")
    }

    /// The same check without the certificates fails, so the test above does check them.
    @Test func aMissingCertificateFailsNginxTest() throws {
        let prefix = try NginxPrefix(label: "ngx-syntax")
        defer { prefix.remove() }
        for name in [NginxRenderer.sharedFileName, "tls.conf"] {
            let text = try GoldenFile(name: name).read()
                .replacing(RouteFixtures.goldenRoot + "/", with: prefix.root + "/")
            try prefix.write(prefix.nginxDirectory + "/" + name, text)
        }
        let result = try prefix.test()
        #expect(result.status != .exited(0))
        #expect(result.standardError.contains("cannot load certificate"), "\(result.standardError)")
    }
}

/// A self-signed certificate and its key, as `fullchain.pem` and `privkey.pem` in `directory`.
func makeCertificate(in directory: String) throws {
    try Posix.mkdir(String(directory[..<directory.lastIndex(of: "/")!]), existingOK: true)
    try Posix.mkdir(directory, existingOK: true)
    let openssl = try #require(which("openssl"), "openssl makes the test certificate")
    let result = try runProgram(
        openssl,
        [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=dokuen.test",
            "-keyout", directory + "/privkey.pem", "-out", directory + "/fullchain.pem",
        ])
    #expect(result.status == .exited(0), "\(result.standardError)")
}
