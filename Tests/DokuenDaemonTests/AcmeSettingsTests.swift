import DokuenPosix
import DokuenRouting
import Foundation
import Testing

@testable import DokuenDaemon

/// dokuend's `--acme-*` options: a hook or a TSIG file is refused unless it is an absolute path to a file that only
/// root or dokuend's user can change (and, for a secret, read); the other options as their types check them.
struct AcmeSettingsTests {
    static func settings(dns: String? = nil, resolvers: [String] = [], ca: String? = nil) throws -> AcmeSettings {
        try AcmeSettings(
            email: "admin@example.com", directory: nil, dns: dns, caCertificates: ca, resolvers: resolvers,
            euid: Posix.geteuid())
    }

    static func refusal(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch { return "\(error)" }
    }

    @Test func theDefaultsAreLetsEncryptAndNoDNS() throws {
        let settings = try Self.settings()
        #expect(settings.directory.rawValue == AcmeDirectory.letsEncrypt)
        #expect(settings.dns == nil && settings.email?.rawValue == "admin@example.com")
    }

    @Test func hooksAndSecretsAreCheckedOnDisk() throws {
        let directory = NSTemporaryDirectory() + "acme-settings-\(UInt32.random(in: 0...UInt32.max))"
        try Posix.mkdir(directory, mode: 0o700)
        defer { try? Posix.removeTree(directory) }
        let hook = directory + "/hook"
        try AtomicFile.write(Array("#!/bin/sh\n".utf8), to: hook, mode: 0o755)
        #expect(try Self.settings(dns: "exec:" + hook).dns == .exec(hook: hook))

        try Posix.chmod(hook, 0o775)
        #expect(
            Self.refusal { _ = try Self.settings(dns: "exec:" + hook) }?.contains("group or others can write") == true)
        try Posix.chmod(hook, 0o644)
        #expect(Self.refusal { _ = try Self.settings(dns: "exec:" + hook) }?.contains("it is not executable") == true)
        #expect(
            Self.refusal { _ = try Self.settings(dns: "exec:hook") }
                == "invalid --acme-dns exec:\"hook\": it takes an absolute path without control characters")
        #expect(
            Self.refusal { _ = try Self.settings(dns: "exec:" + directory + "/missing") }?.contains(
                "it is not there") == true)
        #expect(
            Self.refusal { _ = try Self.settings(dns: "exec:" + directory) }?.contains("it is not there") == true,
            "a directory is not a hook")
        #expect(
            Self.refusal { _ = try Self.settings(dns: "exec:/bin/sh\n-c") }?.contains("control characters") == true)

        let secrets = directory + "/tsig"
        try AtomicFile.write(
            Array("RFC2136_NAMESERVER=127.0.0.1:53\n# a comment\nRFC2136_TSIG_KEY=dokuen.\n".utf8), to: secrets,
            mode: 0o600)
        #expect(try Self.settings(dns: "rfc2136:" + secrets).dns == .rfc2136(file: secrets))
        #expect(
            try AcmeSettings.rfc2136Environment(secrets)
                == ["RFC2136_NAMESERVER": "127.0.0.1:53", "RFC2136_TSIG_KEY": "dokuen."])
        try Posix.chmod(secrets, 0o640)
        #expect(
            Self.refusal { _ = try Self.settings(dns: "rfc2136:" + secrets) }?.contains("group or others can read")
                == true)
        try AtomicFile.write(Array("PATH=/tmp\n".utf8), to: secrets, mode: 0o600)
        #expect(
            Self.refusal { _ = try AcmeSettings.rfc2136Environment(secrets) }?.contains("line 1 is not one of")
                == true, "only RFC2136_* names reach lego's environment")
        #expect(
            Self.refusal { _ = try Self.settings(dns: "route53:x") }?.hasPrefix(
                "invalid --acme-dns \"route53:x\": it takes rfc2136:FILE or exec:HOOK") == true)
    }

    @Test func ownershipRules() {
        func refusal(owner: UInt32, mode: UInt32, euid: UInt32, executable: Bool) -> String? {
            Self.refusal {
                try AcmeSettings.checkOwnership(
                    owner: owner, permissions: mode, euid: euid, executable: executable, refuse: { AcmeRefusal($0) })
            }
        }
        #expect(refusal(owner: 0, mode: 0o755, euid: 0, executable: true) == nil)
        #expect(refusal(owner: 1000, mode: 0o700, euid: 1000, executable: true) == nil)
        #expect(refusal(owner: 1000, mode: 0o755, euid: 0, executable: true)?.contains("owned by uid 1000") == true)
        #expect(refusal(owner: 0, mode: 0o757, euid: 0, executable: true)?.contains("can write") == true)
        #expect(refusal(owner: 0, mode: 0o604, euid: 0, executable: false)?.contains("can read") == true)
    }

    @Test func resolversAndCARootsAreChecked() {
        #expect(Self.refusal { _ = try Self.settings(resolvers: ["127.0.0.1:53"]) } == nil)
        #expect(
            Self.refusal { _ = try Self.settings(resolvers: ["127.0.0.1"]) }
                == "invalid --acme-dns-resolver \"127.0.0.1\": it takes HOST:PORT, as in 127.0.0.1:53")
        #expect(Self.refusal { _ = try Self.settings(resolvers: ["a b:53"]) } != nil)
        #expect(Self.refusal { _ = try Self.settings(ca: "relative.pem") }?.contains("absolute path") == true)
        #expect(Self.refusal { _ = try Self.settings(ca: "/nonexistent/ca.pem") } != nil)
    }
}
