import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenRouting
import DokuenStore
import Foundation

/// Automatic certificates (docs/CERTS.md): obtains and renews the certificates of the apps that asked
/// (`dokuen certs auto`) and of the base domain's wildcard, with lego as a child program (an argv, never a shell;
/// secrets only in its environment), and installs each pair through the same checked install as `certs add`
/// (`APIServer.install`). A failed attempt changes no file: the current certificate keeps serving.
///
/// Its loop (`AcmeService`) sleeps until the earliest next attempt (`RenewalPlan`) or a wake, at most an hour; one
/// attempt runs at a time (`gate`), so two lego runs never share its account files. Every attempt is recorded in
/// the store (`recordAcmeAttempt`) with an event: `certs.issued`, `certs.renewed` or `certs.failed`.
public actor AcmeRenewer {
    let layout: RootLayout
    let store: Store
    let routing: Routing?
    let settings: AcmeSettings
    private let gate = AsyncGate()
    private let wakes: AsyncStream<Void>
    private let wakeSink: AsyncStream<Void>.Continuation

    static let candidates = ["/usr/bin/lego", "/usr/local/bin/lego"]
    static let actor = "dokuend (renewal)"

    public init(layout: RootLayout, store: Store, routing: Routing?, settings: AcmeSettings) {
        self.layout = layout
        self.store = store
        self.routing = routing
        self.settings = settings
        (wakes, wakeSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    public nonisolated func wake() { wakeSink.yield() }

    func finish() { wakeSink.finish() }

    /// The names asked for: `APP.<base>` and the app's custom domains, or `*.<base>` and `<base>` for the wildcard.
    func domains(for app: AppName?) async throws -> [String] {
        guard let routing else {
            throw APIError(
                .unavailable,
                "unable to obtain a certificate: routing is off (dokuend found no nginx), so no CA can reach the app")
        }
        let base = routing.settings.baseDomain.rawValue
        guard let app else { return ["*." + base, base] }
        let own = try Hostname(app: app, base: routing.settings.baseDomain).rawValue
        return [own] + (try await store.domains(app: app)).map(\.hostname)
    }

    /// Why `challenge` cannot be used with these settings, in the grammar of a refusal; nil when it can.
    func refusal(dns: Bool, name: String) -> String? {
        let what = "unable to turn on automatic certificates for \(name)"
        guard settings.email != nil else {
            return "\(what): dokuend has no account e-mail; start it with --acme-email you@example.com"
        }
        guard Self.candidates.contains(where: { Posix.isExecutableFile($0) }) else {
            return "\(what): lego is not installed (Debian: apt-get install lego)"
        }
        if dns {
            guard settings.dns != nil else {
                return "\(what): DNS-01 needs dokuend --acme-dns rfc2136:FILE or --acme-dns exec:HOOK"
            }
        } else {
            guard routing?.settings.acmeWebroot != nil else {
                return "\(what): HTTP-01 needs dokuend --acme-webroot DIR (nginx serves it on every app's plain "
                    + "HTTP port)"
            }
        }
        return nil
    }

    /// Expiries read by openssl, by certificate path, with the file they were read from: an install writes a new
    /// generation (a new inode), so an unchanged `FileInfo` means an unchanged certificate.
    private var expiries: [String: (file: FileInfo, notAfter: Int64?)] = [:]

    /// The certificate's expiry as openssl reads it; nil when there is none (or openssl cannot read it). openssl
    /// runs once per installed file, not at every `status` (which asks for the warnings).
    func notAfter(of app: AppName?) async -> Int64? {
        let paths = app.map { layout.app($0) } ?? layout.wildcard
        guard CertificateFiles(paths: paths).isInstalled,
            let file = try? Posix.statFollowingSymlinks(paths.certificate)
        else { return nil }
        if let known = expiries[paths.certificate], known.file == file { return known.notAfter }
        guard case .read(let summary) = await CertificateReader.read(paths.certificate) else { return nil }
        expiries[paths.certificate] = (file, summary.notAfter)
        return summary.notAfter
    }

    /// One attempt for `app` (nil: the wildcard), now, whatever its plan: lego, then the checked install, then the
    /// record. Throws the failure (after recording it) in the project's grammar.
    /// The loop is woken afterwards, success or failure, to plan from what was recorded (a failed first attempt's
    /// retry among it).
    func attempt(_ app: AppName?, actor: String) async throws {
        defer { wake() }
        try await gate.holding { () async throws -> Void in
            try await attemptHoldingGate(app, actor: actor)
        }
    }

    private func attemptHoldingGate(_ app: AppName?, actor: String) async throws {
        guard let record = try await store.acmeCertificate(app: app) else {
            throw APIError(
                .notFound,
                "unable to renew the certificate of \(app?.rawValue ?? "the wildcard"): it is not automatic "
                    + "(dokuen certs auto)")
        }
        let name = app?.rawValue ?? "the wildcard"
        let started = Int64(Date().timeIntervalSince1970)
        let hadCertificate = await notAfter(of: app) != nil
        do {
            let domains = try await self.domains(for: app)
            // HTTP-01 reaches the app's server on the plain HTTP port: an app created but never routed yet has none
            // (the catch-all would close the CA's connection), so its file is rendered first.
            if record.challenge == "http-01", let app { try await routing?.update(app) }
            let bundle = try await obtain(domains: domains, dns: record.challenge == "dns-01")
            let summary = try await APIServer.install(bundle, for: app, layout: layout, routing: routing)
            let notAfter = summary?.notAfter
            let next = RenewalPlan.nextAttempt(notAfter: notAfter, failures: 0, lastAttempt: started)
            let detail =
                (summary.map { "\($0.subject), issuer \($0.issuer), until \(UTCTime.text($0.notAfter))" }
                    ?? domains.joined(separator: " "))
            try await store.recordAcmeAttempt(
                app: app, at: started, error: nil, next: next,
                action: hadCertificate || record.lastSuccessAt != nil ? "certs.renewed" : "certs.issued",
                detail: Quoting.printable(detail, limit: 400), actor: actor)
            DaemonLog.info("certs \(name)", "obtained: \(detail)")
        } catch {
            let reason = APIServer.message(for: error)
            let notAfter = await notAfter(of: app)
            let next = RenewalPlan.nextAttempt(
                notAfter: notAfter, failures: record.failures + 1, lastAttempt: started)
            let kept =
                notAfter.map { "the current certificate keeps serving until \(UTCTime.text($0))" }
                ?? "\(name) has no certificate yet"
            let line = Quoting.printable("\(reason); \(kept); next try \(UTCTime.text(next))", limit: 600)
            try? await store.recordAcmeAttempt(
                app: app, at: started, error: reason, next: next, action: "certs.failed", detail: line, actor: actor)
            DaemonLog.error("certs \(name)", line)
            throw APIError(.unavailable, "unable to obtain a certificate for \(name): \(line)")
        }
    }

    /// Runs `lego … run` for `domains` and returns the pair it wrote, checked as `certs add` checks one.
    func obtain(domains: [String], dns: Bool) async throws -> PEMBundle {
        guard let email = settings.email else {
            throw APIError(.invalid, "dokuend has no account e-mail; start it with --acme-email you@example.com")
        }
        guard let lego = Self.candidates.first(where: { Posix.isExecutableFile($0) }) else {
            throw APIError(.unavailable, "lego is not installed (Debian: apt-get install lego)")
        }
        let legoPath = layout.acmeDirectory + "/lego"
        for directory in [layout.acmeDirectory, legoPath] {
            try Posix.mkdir(directory, mode: 0o700, existingOK: true)
            try Posix.chmod(directory, 0o700)
        }
        var arguments = [
            "--accept-tos", "--email", email.rawValue, "--server", settings.directory.rawValue, "--path", legoPath,
        ]
        arguments += domains.flatMap { ["--domains", $0] }
        var environment = [
            "PATH": InstanceEnvironment.defaultPath, "LC_ALL": "C", "HOME": layout.acmeDirectory,
        ]
        if let ca = settings.caCertificates { environment["LEGO_CA_CERTIFICATES"] = ca }
        if dns {
            switch settings.dns {
            case .rfc2136(let file)?:
                arguments += ["--dns", "rfc2136"]
                environment.merge(try AcmeSettings.rfc2136Environment(file)) { $1 }
            case .exec(let hook)?:
                // Checked again now: the file may have changed since dokuend started.
                try AcmeSettings.checkOwnedFile(
                    hook, option: "--acme-dns exec:", euid: Posix.geteuid(), executable: true)
                arguments += ["--dns", "exec"]
                environment["EXEC_PATH"] = hook
                environment["EXEC_POLLING_INTERVAL"] = "2"
            case nil:
                throw APIError(.invalid, "DNS-01 needs dokuend --acme-dns rfc2136:FILE or --acme-dns exec:HOOK")
            }
            // Given resolvers are the ones that must see the record; the names' authoritative servers are then not
            // asked as well (lego's complete-propagation check), which a split-horizon or test DNS cannot answer.
            if !settings.resolvers.isEmpty {
                arguments += settings.resolvers.flatMap { ["--dns.resolvers", $0] } + ["--dns.disable-cp"]
            }
        } else {
            guard let webroot = routing?.settings.acmeWebroot else {
                throw APIError(.invalid, "HTTP-01 needs dokuend --acme-webroot DIR")
            }
            arguments += ["--http", "--http.webroot", webroot.rawValue]
        }
        arguments.append("run")
        let output = LineCollector(keepingLast: 200)
        var step = BuildStep(
            label: "lego", executable: lego, arguments: arguments, environment: environment,
            workingDirectory: layout.acmeDirectory, timeout: .seconds(600), grace: .seconds(5))
        step.dieWithParent = true
        let status = try await StepRunner.run(step, onLine: output.add)
        guard status == .exited(0) else { throw APIError(.unavailable, Self.failure(output.lines, status: status)) }
        // lego names the files after the first domain, `*` written as `_`.
        let stem = legoPath + "/certificates/" + domains[0].replacingOccurrences(of: "*", with: "_")
        let certificate = String(decoding: try Posix.readFile(stem + ".crt"), as: UTF8.self)
        let key = String(decoding: try Posix.readFile(stem + ".key"), as: UTF8.self)
        do { return try PEMBundle(certificate: certificate, key: key) } catch {
            throw APIError(.invalid, "lego wrote a pair that is refused: \(error)")
        }
    }

    /// lego's reason, from its output: the lines after "Could not obtain certificates", else its last line.
    static func failure(_ lines: [String], status: ExitStatus) -> String {
        let meaningful = lines.filter { !$0.allSatisfy(\.isWhitespace) }
        let reason: String
        if let index = meaningful.lastIndex(where: { $0.contains("Could not obtain certificates") }) {
            reason = meaningful[index...].map { Self.withoutTimestamp($0) }.joined(separator: " ")
        } else {
            reason = meaningful.last.map(Self.withoutTimestamp) ?? "\(status)"
        }
        return "lego: " + Quoting.printable(reason, limit: 400)
    }

    /// `2026/12/05 03:44:09 [INFO] text` → `text`.
    static func withoutTimestamp(_ line: String) -> String {
        var text = Substring(line)
        if text.count > 20, text.prefix(4).allSatisfy(\.isNumber), text.dropFirst(4).first == "/" {
            text = text.dropFirst(20)
        }
        for tag in ["[INFO] ", "[WARN] ", "[FATAL] "] where text.hasPrefix(tag) { text = text.dropFirst(tag.count) }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// One pass at `now`: every automatic certificate whose next attempt is due is tried, one after another.
    /// Returns the earliest next attempt.
    func pass(now: Int64) async -> Int64? {
        guard let records = try? await store.acmeCertificates() else { return nil }
        var earliest: Int64?
        for record in records {
            var due = record.nextAttemptAt
            if due == nil {
                due = RenewalPlan.nextAttempt(
                    notAfter: await notAfter(of: record.app), failures: record.failures,
                    lastAttempt: record.lastAttemptAt)
            }
            if let planned = due, planned <= now {
                try? await attempt(record.app, actor: Self.actor)
                due = try? await store.acmeCertificate(app: record.app)?.nextAttemptAt
            }
            if let due { earliest = min(earliest ?? due, due) }
        }
        return earliest
    }

    /// The loop of `AcmeService`: a pass, then sleep until the earliest next attempt (at most an hour) or a wake.
    func loop() async {
        var timer: Task<Void, Never>?
        var iterator = wakes.makeAsyncIterator()
        while !Task.isCancelled {
            let now = Int64(Date().timeIntervalSince1970)
            let next = await pass(now: now)
            let delay = min(max((next ?? now + 3600) - Int64(Date().timeIntervalSince1970), 1), 3600)
            timer?.cancel()
            let sink = wakeSink
            timer = Task {
                try? await Task.sleep(for: .seconds(delay))
                if !Task.isCancelled { sink.yield() }
            }
            guard await iterator.next() != nil else { break }
        }
        timer?.cancel()
    }

    /// `status`'s warnings: a renewal that fails, or a certificate that expires within 14 days.
    func warnings(now: Int64) async -> [CertificateWarning] {
        guard let records = try? await store.acmeCertificates() else { return [] }
        var warnings: [CertificateWarning] = []
        for record in records {
            let notAfter = await notAfter(of: record.app)
            guard RenewalPlan.needsWarning(notAfter: notAfter, failures: record.failures, now: now) else { continue }
            let name = record.app?.rawValue ?? "*"
            let what = record.app.map { "the certificate of \($0)" } ?? "the wildcard certificate"
            let expiry = notAfter.map { "expires \(UTCTime.text($0))" } ?? "none obtained yet"
            var message = "\(what) \(expiry)"
            if record.failures > 0 {
                message +=
                    "; renewal failed \(record.failures) time\(record.failures == 1 ? "" : "s")"
                    + (record.lastError.map { ": \(Quoting.printable($0, limit: 200))" } ?? "")
                    + (record.nextAttemptAt.map { "; next try \(UTCTime.text($0))" } ?? "")
            }
            warnings.append(CertificateWarning(name: name, message: message))
        }
        return warnings
    }

    /// What `certs info` shows of an automatic certificate; nil when it is not automatic.
    func automatic(_ app: AppName?) async -> AutomaticCertificate? {
        guard let record = try? await store.acmeCertificate(app: app) else { return nil }
        return AutomaticCertificate(
            challenge: record.challenge, domains: (try? await domains(for: app)) ?? [], failures: record.failures,
            lastAttempt: record.lastAttemptAt, lastSuccess: record.lastSuccessAt, lastError: record.lastError,
            nextAttempt: record.nextAttemptAt)
    }
}
