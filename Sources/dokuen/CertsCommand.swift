import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

/// `dokuen certs [info] APP`, `certs add APP CERT_FILE KEY_FILE`, `certs remove APP`.
struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs", abstract: "An app's TLS certificate: https on 443, and plain HTTP redirected there.",
        discussion: """
            With a certificate, nginx serves APP.<base domain> and the app's custom domains over TLS (dokuend \
            --https-port, 443 by default), and plain HTTP answers 301 to https (ACME http-01 challenges excepted). \
            The certificate must cover those names; nginx does not check that, browsers do.

            Files are PEM text: CERT_FILE holds the certificate and its chain, leaf first (certbot's \
            fullchain.pem); KEY_FILE holds its unencrypted private key (privkey.pem). dokuend checks both, keeps them \
            in <root>/apps/APP/tls/ (the key 0600: only dokuend's user, root on a server, reads it; apps cannot), \
            and has nginx test them before it reloads: \
            when nginx refuses them (a key that does not match, say), nothing changes, the previous certificate keeps \
            serving, and the error quotes nginx. Renewing is adding again. Without nginx (routing off) the files are \
            stored all the same and used once dokuend runs with nginx.

            Examples:
              dokuen certs add blog /etc/letsencrypt/live/blog.example.com/fullchain.pem \\
                  /etc/letsencrypt/live/blog.example.com/privkey.pem
              dokuen certs blog             # subject, issuer, expiry (read with openssl)
              dokuen certs remove blog      # back to plain HTTP

            Automatic certificates (docs/CERTS.md): dokuend obtains them from an ACME CA (Let's Encrypt unless \
            dokuend --acme-directory says otherwise) with lego, and renews them 30 days before they expire:
              dokuen certs auto blog              # HTTP-01 through dokuend --acme-webroot
              dokuen certs auto blog --dns        # DNS-01 through dokuend --acme-dns
              dokuen certs auto --wildcard        # *.BASE and BASE, by DNS-01
              dokuen certs renew blog             # now, whatever the date
              dokuen certs auto blog --off        # stop renewing; the pair stays
            """,
        subcommands: [Info.self, Add.self, Remove.self, Auto.self, Renew.self], defaultSubcommand: Info.self)

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info", abstract: "Show whether an app has a certificate, and its subject, issuer and expiry.",
            discussion: """
                --json prints {app, installed, served, url, subject, issuer, not_after, automatic, wildcard}, every \
                key present; not_after is in UTC seconds since the epoch, and subject, issuer and not_after are null \
                without openssl on the daemon's machine. automatic is null, or {challenge, domains, failures, \
                last_attempt, last_success, last_error, next_attempt} when dokuend renews it (certs auto); wildcard \
                is true when the app is served with the base domain's wildcard. --wildcard shows the wildcard itself \
                (app "*").

                Examples:
                  dokuen certs info blog
                  dokuen certs info --wildcard --json
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String?
        @Flag(help: "The base domain's wildcard certificate instead of an app's.") var wildcard = false

        func validate() throws { try CertsCommand.validateTarget(app, wildcard: wildcard) }

        func run() async throws {
            let path = app.map { "/v1/apps/\($0)/certs" } ?? "/v1/certs/wildcard"
            let info = try DaemonClient(options).call("GET", path, as: CertificateInfo.self)
            if options.json { return try printJSON(info) }
            let name = app ?? "the wildcard"
            if info.installed || info.wildcard {
                print(
                    info.installed
                        ? "\(name) has a certificate" : "\(name) is served with the base domain's wildcard certificate")
                if let subject = info.subject { print("subject:   \(subject)") }
                if let issuer = info.issuer { print("issuer:    \(issuer)") }
                if let notAfter = info.notAfter { print("not after: \(UTCTime.text(notAfter))") }
                if app != nil { print("serving:   " + CertsCommand.serving(info)) }
            } else {
                print("\(name) has no certificate" + (info.url.map { "; it is served at \($0)" } ?? ""))
            }
            if let automatic = info.automatic {
                for line in CertsCommand.automaticLines(automatic) { print(line) }
            }
        }
    }

    struct Auto: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "auto", abstract: "Have dokuend obtain and renew an app's certificate (ACME, with lego).",
            discussion: """
                The certificate covers APP.<base domain> and the app's custom domains. HTTP-01 (the default) needs \
                dokuend --acme-webroot, which nginx serves on every app's plain HTTP port, and the names must reach \
                this machine on port 80; --dns uses DNS-01 through dokuend --acme-dns (RFC 2136 or your hook). \
                --wildcard asks for *.<base domain> and <base domain> through DNS-01: every app without a \
                certificate of its own is served with it. dokuend --acme-email must be set. The command waits for \
                the first certificate and exits 69 (EX_UNAVAILABLE) when it could not be obtained (the reason is shown; dokuend tries again \
                with a backoff). The pair goes through the same checks as certs add. A certificate added by hand \
                later (certs add) replaces it until the next renewal; turn renewal off first to keep yours.

                Examples:
                  dokuen certs auto blog
                  dokuen certs auto blog --dns
                  dokuen certs auto --wildcard
                  dokuen certs auto blog --off
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String?
        @Flag(help: "The base domain's wildcard (DNS-01) instead of an app's certificate.") var wildcard = false
        @Flag(help: "Use DNS-01 (dokuend --acme-dns) instead of HTTP-01.") var dns = false
        @Flag(help: "Stop renewing; the current certificate stays and keeps serving.") var off = false

        func validate() throws { try CertsCommand.validateTarget(app, wildcard: wildcard) }

        func run() async throws {
            let client = try DaemonClient(options)
            let path = app.map { "/v1/apps/\($0)/certs/auto" } ?? "/v1/certs/wildcard"
            let name = app ?? "the wildcard"
            let info =
                off
                ? try client.call("DELETE", path, as: CertificateInfo.self)
                : try client.call(
                    "POST", path, body: AutomaticCertificateRequest(dns: dns || wildcard), as: CertificateInfo.self)
            if options.json { return try printJSON(info) }
            if off {
                print("\(name): automatic renewal is off; the current certificate stays")
                return
            }
            var line = "Obtained a certificate for \(name)"
            if let issuer = info.issuer { line += " (issuer \(issuer))" }
            if let notAfter = info.notAfter { line += ", valid until \(UTCTime.text(notAfter))" }
            print(line + "; dokuend renews it 30 days before it expires")
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "renew", abstract: "Renew an automatic certificate now, whatever its expiry.",
            discussion: """
                Exits 69 (EX_UNAVAILABLE) when no certificate could be obtained; the current certificate then keeps serving, and certs info, status and \
                events show the failure.

                Examples:
                  dokuen certs renew blog
                  dokuen certs renew --wildcard
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String?
        @Flag(help: "The base domain's wildcard instead of an app's certificate.") var wildcard = false

        func validate() throws { try CertsCommand.validateTarget(app, wildcard: wildcard) }

        func run() async throws {
            let path = app.map { "/v1/apps/\($0)/certs/renew" } ?? "/v1/certs/wildcard/renew"
            let info = try DaemonClient(options).call("POST", path, as: CertificateInfo.self)
            if options.json { return try printJSON(info) }
            var line = "Renewed the certificate of \(app ?? "the wildcard")"
            if let notAfter = info.notAfter { line += "; valid until \(UTCTime.text(notAfter))" }
            print(line)
        }
    }

    /// APP, or --wildcard, not both.
    static func validateTarget(_ app: String?, wildcard: Bool) throws {
        if let app {
            guard !wildcard else { throw ValidationError("give APP or --wildcard, not both") }
            try validateApp(app)
        } else if !wildcard {
            throw ValidationError("missing APP (or --wildcard for the base domain's wildcard certificate)")
        }
    }

    /// `certs info`'s lines for an automatic certificate.
    static func automaticLines(_ automatic: AutomaticCertificate) -> [String] {
        var lines = ["automatic: \(automatic.challenge) for \(automatic.domains.joined(separator: " "))"]
        if let last = automatic.lastAttempt {
            lines.append(
                "last try:  \(UTCTime.text(last)), " + (automatic.failures == 0 ? "succeeded" : "failed"))
        }
        if automatic.failures > 0 {
            lines.append("failing:   \(automatic.failures) time\(automatic.failures == 1 ? "" : "s") in a row")
            if let error = automatic.lastError { lines.append("error:     \(error)") }
        }
        if let next = automatic.nextAttempt { lines.append("next try:  \(UTCTime.text(next))") }
        return lines
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Install or replace an app's certificate and key (PEM files).",
            discussion: "nginx serves it at once; it does not wait for a deploy in progress.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The certificate chain, PEM, leaf first (e.g. fullchain.pem).") var certificateFile: String
        @Argument(help: "Its unencrypted private key, PEM (e.g. privkey.pem).") var keyFile: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let request = CertificateRequest(
                certificate: try CertsCommand.readPEM(certificateFile, what: "certificate file", app: app),
                key: try CertsCommand.readPEM(keyFile, what: "key file", app: app))
            let info = try DaemonClient(options).call(
                "POST", "/v1/apps/\(app)/certs", body: request, as: CertificateInfo.self)
            if options.json { return try printJSON(info) }
            var line = "Installed the certificate of \(app)"
            if let subject = info.subject, let issuer = info.issuer { line += ": \(subject) (issuer \(issuer))" }
            if let notAfter = info.notAfter { line += ", valid until \(UTCTime.text(notAfter))" }
            print(line)
            print(CertsCommand.serving(info))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove an app's certificate; it is served on plain HTTP again.",
            discussion: "At once; it does not wait for a deploy in progress.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let info = try DaemonClient(options).call("DELETE", "/v1/apps/\(app)/certs", as: CertificateInfo.self)
            if options.json { return try printJSON(info) }
            print("Removed the certificate of \(app)" + (info.url.map { "; it is served at \($0)" } ?? ""))
        }
    }

    /// Where the certificate serves, or why it does not.
    static func serving(_ info: CertificateInfo) -> String {
        guard info.served, let url = info.url else {
            return "routing is off (dokuend found no nginx), so nothing serves it; it is used once dokuend runs "
                + "with nginx"
        }
        return "\(url) (plain HTTP redirects there)"
    }

    /// A PEM file's text. The daemon checks what it holds; here only that it can be read and is not too big.
    static func readPEM(_ path: String, what: String, app: String) throws -> String {
        let bytes: [UInt8]
        do { bytes = try Posix.readFile(path) } catch {
            throw CLIError(
                message: "\(app): unable to read the \(what) \(path): \(error.code)")
        }
        // The daemon's limit is on each text (PEMBundle.maxBytes); saying so here spares sending megabytes.
        guard bytes.count <= 1 << 20 else {
            throw CLIError(
                message: "invalid \(what) \(Quoting.quoted(path)): it is \(bytes.count) bytes; the limit is 1 MiB")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
