import DokuenCore
import DokuenPosix
import DokuenRouting
import Foundation

/// dokuend's ACME settings (docs/CERTS.md): the account e-mail, the CA's directory, how DNS-01 is answered, a CA
/// root to trust and DNS resolvers. Each is checked when dokuend starts, with one line that names the option.
public struct AcmeSettings: Sendable, Equatable {
    /// How lego answers a DNS-01 challenge.
    public enum DNS: Sendable, Equatable {
        /// RFC 2136 dynamic updates; the file holds `RFC2136_NAMESERVER=…`, `RFC2136_TSIG_KEY=…`,
        /// `RFC2136_TSIG_SECRET=…` and `RFC2136_TSIG_ALGORITHM=…` lines (root's, 0600), read at each run.
        case rfc2136(file: String)
        /// The user's program, run by lego as `HOOK present|cleanup FQDN VALUE`.
        case exec(hook: String)
    }

    public var email: AcmeEmail?
    public var directory: AcmeDirectory
    public var dns: DNS?
    /// A PEM file of CA roots lego trusts for the directory (a private CA; pebble in the tests).
    public var caCertificates: String?
    /// `HOST:PORT` resolvers lego checks DNS-01 records with (default: the system's).
    public var resolvers: [String]

    /// What `rfc2136:FILE` may set: these names only reach lego's environment.
    static let rfc2136Keys: Set<String> = [
        "RFC2136_NAMESERVER", "RFC2136_TSIG_KEY", "RFC2136_TSIG_SECRET", "RFC2136_TSIG_ALGORITHM",
        "RFC2136_TTL", "RFC2136_PROPAGATION_TIMEOUT", "RFC2136_POLLING_INTERVAL", "RFC2136_SEQUENCE_INTERVAL",
        "RFC2136_DNS_TIMEOUT",
    ]

    public init(
        email: String?, directory: String?, dns: String?, caCertificates: String?, resolvers: [String], euid: UInt32
    ) throws(AcmeRefusal) {
        self.email = try email.map { (text) throws(AcmeRefusal) in try AcmeEmail(text) }
        self.directory = try AcmeDirectory(directory ?? AcmeDirectory.letsEncrypt)
        if let dns {
            if dns.hasPrefix("rfc2136:") {
                let file = String(dns.dropFirst(8))
                try Self.checkOwnedFile(file, option: "--acme-dns rfc2136:", euid: euid, executable: false)
                self.dns = .rfc2136(file: file)
            } else if dns.hasPrefix("exec:") {
                let hook = String(dns.dropFirst(5))
                try Self.checkOwnedFile(hook, option: "--acme-dns exec:", euid: euid, executable: true)
                self.dns = .exec(hook: hook)
            } else {
                throw AcmeRefusal(
                    "invalid --acme-dns \(Quoting.quoted(dns)): it takes rfc2136:FILE or exec:HOOK, as in "
                        + "exec:/usr/local/bin/dns-hook")
            }
        }
        if let caCertificates {
            guard caCertificates.hasPrefix("/"), Self.printable(caCertificates),
                (try? Posix.statFollowingSymlinks(caCertificates))?.kind == .regular
            else {
                throw AcmeRefusal(
                    "invalid --acme-ca-certificates \(Quoting.quoted(caCertificates)): it takes the absolute path of "
                        + "a PEM file that is there")
            }
        }
        self.caCertificates = caCertificates
        for resolver in resolvers {
            let parts = resolver.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2,
                AcmeDirectory.isIPv4(String(parts[0])) || (try? Hostname(String(parts[0]))) != nil,
                let port = Int(parts[1]), (1...65_535).contains(port)
            else {
                throw AcmeRefusal(
                    "invalid --acme-dns-resolver \(Quoting.quoted(resolver)): it takes HOST:PORT, as in 127.0.0.1:53")
            }
        }
        self.resolvers = resolvers
    }

    static func printable(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    /// A file the daemon runs or reads secrets from: an absolute path to an existing regular file, owned by root or
    /// dokuend's user, that group and others cannot write (and, for a secret, cannot read); a hook must be executable.
    static func checkOwnedFile(_ path: String, option: String, euid: UInt32, executable: Bool) throws(AcmeRefusal) {
        func refuse(_ reason: String) -> AcmeRefusal {
            AcmeRefusal("invalid \(option)\(Quoting.quoted(path)): \(reason)")
        }
        guard path.hasPrefix("/"), printable(path) else {
            throw refuse("it takes an absolute path without control characters")
        }
        let info: FileInfo?
        do { info = try Posix.statFollowingSymlinks(path) } catch { throw refuse("\(error)") }
        guard let info, info.kind == .regular else { throw refuse("it is not there (or not a regular file)") }
        try checkOwnership(
            owner: info.uid, permissions: info.permissions, euid: euid, executable: executable, refuse: refuse)
        guard !executable || Posix.canExecute(path) else { throw refuse("it is not executable; chmod 755 \(path)") }
    }

    /// The ownership and mode rules of `checkOwnedFile`, without the file (unit-tested).
    static func checkOwnership(
        owner: UInt32, permissions: UInt32, euid: UInt32, executable: Bool, refuse: (String) -> AcmeRefusal
    ) throws(AcmeRefusal) {
        guard owner == 0 || owner == euid else {
            throw refuse("it is owned by uid \(owner), not root or dokuend's user; chown root")
        }
        let mode = String(permissions & 0o7777, radix: 8)
        if executable {
            guard permissions & 0o022 == 0 else {
                throw refuse("group or others can write it (mode \(mode)); chmod go-w")
            }
        } else {
            guard permissions & 0o077 == 0 else {
                throw refuse("group or others can read it (mode \(mode)); chmod 600")
            }
        }
    }

    /// The `RFC2136_*` lines of `file`, read now (a changed key is used at the next run).
    static func rfc2136Environment(_ file: String) throws -> [String: String] {
        let text = String(decoding: try Posix.readFile(file), as: UTF8.self)
        var environment: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, rfc2136Keys.contains(String(parts[0])), printable(String(parts[1])) else {
                throw AcmeRefusal(
                    "unable to read \(file): line \(number + 1) is not one of "
                        + rfc2136Keys.sorted().joined(separator: ", ") + " as KEY=VALUE")
            }
            environment[String(parts[0])] = String(parts[1])
        }
        return environment
    }
}
