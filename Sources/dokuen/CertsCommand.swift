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
            """,
        subcommands: [Info.self, Add.self, Remove.self], defaultSubcommand: Info.self)

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info", abstract: "Show whether an app has a certificate, and its subject, issuer and expiry.",
            discussion: """
                --json prints {app, installed, served, url, subject, issuer, not_after}, every key present; \
                not_after is in UTC seconds since the epoch, and subject, issuer and not_after are null without \
                openssl on the daemon's machine.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let info = try DaemonClient(options).call("GET", "/v1/apps/\(app)/certs", as: CertificateInfo.self)
            if options.json { return try printJSON(info) }
            guard info.installed else {
                print("\(app) has no certificate" + (info.url.map { "; it is served at \($0)" } ?? ""))
                return
            }
            print("\(app) has a certificate")
            if let subject = info.subject { print("subject:   \(subject)") }
            if let issuer = info.issuer { print("issuer:    \(issuer)") }
            if let notAfter = info.notAfter { print("not after: \(UTCTime.text(notAfter))") }
            print("serving:   " + CertsCommand.serving(info))
        }
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
