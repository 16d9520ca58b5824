import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenRouting
import DokuenStore
import Hummingbird

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `dokuen certs [info|add|remove] APP`: an app's TLS certificate. nginx serves the app on the TLS port with it and
/// redirects plain HTTP there (NginxRenderer).
///
/// An addition is all or nothing. The PEM armour is checked at the boundary (`PEMBundle`), the files are written
/// (`CertificateFiles`), openssl must read the certificate when it is installed, and nginx must accept the pair
/// (`nginx -t`, then a reload). When any step fails, the previous files are put back (or the new ones removed), the
/// app's nginx file is the one it had, nginx keeps serving, and the answer says why, with nginx's own complaint.
/// With routing off the files are stored all the same, and `served` says that nothing serves them until dokuend runs
/// with nginx.
extension APIServer {
    static func addCertificateRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, routing: Routing?, renewer: AcmeRenewer?
    ) {
        let changes = CertificateChanges()
        v1.get("apps/:app/certs") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            try await appOrProxyExists(name, store)
            return try json(await certificateInfo(name, layout: layout, routing: routing, renewer: renewer))
        }
        v1.post("apps/:app/certs") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            try await appOrProxyExists(name, store)
            // Two PEM texts of up to 1 MiB each, JSON-escaped: more than Hummingbird's default upload limit.
            let bytes = try await request.body.collect(upTo: 4 * PEMBundle.maxBytes)
            let body: CertificateRequest
            do { body = try JSONDecoder().decode(CertificateRequest.self, from: Data(Array(buffer: bytes))) } catch {
                throw APIError(.invalid, "unable to read the request: it is not {certificate, key} JSON")
            }
            let bundle: PEMBundle
            do throws(RoutingError) { bundle = try PEMBundle(certificate: body.certificate, key: body.key) } catch {
                throw APIError(.invalid, error.description)
            }
            let actor = await actor(request, context)
            try await changes.claim(name)
            do {
                let summary = try await install(bundle, for: name, layout: layout, routing: routing)
                await changes.release(name)
                let detail = summary.map { "\($0.subject), issuer \($0.issuer)" } ?? "chain of \(bundle.chainLength)"
                try await store.appendEvent(
                    actor: actor, app: name, action: "certs.add", detail: Quoting.printable(detail, limit: 400))
                return try json(
                    await certificateInfo(name, layout: layout, routing: routing, renewer: renewer), status: .created)
            } catch {
                await changes.release(name)
                throw error
            }
        }
        v1.delete("apps/:app/certs") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            try await appOrProxyExists(name, store)
            let actor = await actor(request, context)
            try await changes.claim(name)
            do {
                try await uninstall(name, layout: layout, routing: routing)
                await changes.release(name)
                try await store.appendEvent(actor: actor, app: name, action: "certs.remove")
                return try json(await certificateInfo(name, layout: layout, routing: routing, renewer: renewer))
            } catch {
                await changes.release(name)
                throw error
            }
        }
    }

    /// An app, or a proxy (`dokuen proxies add`): a proxy's certificate sits where an app of its name would keep
    /// its own, since the two share one namespace.
    static func appOrProxyExists(_ name: AppName, _ store: Store) async throws {
        if try await store.app(named: name) != nil { return }
        if try await store.proxy(named: name) != nil { return }
        throw StoreError.appNotFound(name)
    }

    /// Writes `bundle` as `app`'s files (nil: the base domain's wildcard, which every app without a certificate of
    /// its own then uses) and has nginx take them; on any failure puts the previous files back. `certs add` and
    /// automatic certificates (`AcmeRenewer`) both install through here. Returns what openssl read in the certificate
    /// (nil without openssl).
    static func install(
        _ bundle: PEMBundle, for app: AppName?, layout: RootLayout, routing: Routing?
    ) async throws -> CertificateSummary? {
        let paths = app.map { layout.app($0) } ?? layout.wildcard
        let files = CertificateFiles(paths: paths)
        let previous = try files.read()
        let name = app?.rawValue ?? "the wildcard"
        let kept = previous == nil ? "\(name) stays without a certificate" : "its previous certificate stays"
        let pair = CertificateFiles.Pair(certificate: Array(bundle.certificate.utf8), key: Array(bundle.key.utf8))
        let certificate = paths.certificate
        let apply = { @Sendable () async throws -> CertificateSummary? in
            do { try files.write(pair) } catch {
                try? files.restore(previous)
                throw error
            }
            switch await CertificateReader.read(certificate) {
            case .read(let read): return read
            case .noOpenSSL: return nil
            case .unreadable(let reason):
                try files.restore(previous)
                throw APIError(.invalid, "invalid certificate: openssl cannot read it: \(reason); \(kept)")
            }
        }
        guard let routing else { return try await apply() }
        do {
            guard let app else { return try await routing.changeWildcard(apply: apply) { try files.restore(previous) } }
            return try await routing.changeCertificate(app, apply: apply) { try files.restore(previous) }
        } catch let failure as APIError {
            throw failure
        } catch {
            throw rejection(error, name: name, verb: "install", kept: kept)
        }
    }

    /// Removes `app`'s files and has nginx serve it on plain HTTP; puts them back when nginx refuses that.
    private static func uninstall(_ app: AppName, layout: RootLayout, routing: Routing?) async throws {
        let files = CertificateFiles(paths: layout.app(app))
        guard let previous = try files.read() else {
            throw APIError(.notFound, "unable to remove the certificate of \(app): it has none")
        }
        guard let routing else { return try files.remove() }
        do {
            try await routing.changeCertificate(app, apply: { try files.remove() }) { try files.restore(previous) }
        } catch {
            throw rejection(error, name: app.rawValue, verb: "remove", kept: "its certificate stays")
        }
    }

    /// A failed routing update as an answer: nginx's complaint when it refused the files (422), else the error.
    private static func rejection(_ error: any Error, name app: String, verb: String, kept: String) -> APIError {
        if case .configRejected(_, let summary, _) = error as? RoutingError {
            return APIError(
                .rejected,
                "unable to \(verb) the certificate of \(app): nginx -t refused it: \(summary); \(kept)")
        }
        return APIError(.internal, "unable to \(verb) the certificate of \(app): \(error); \(kept)")
    }

    /// `app`'s own certificate, or the base domain's wildcard when nginx serves that for it (`wildcard`), and how
    /// dokuend keeps it when it is automatic.
    static func certificateInfo(
        _ app: AppName, layout: RootLayout, routing: Routing?, renewer: AcmeRenewer? = nil
    ) async -> CertificateInfo {
        let files = CertificateFiles(paths: layout.app(app))
        let installed = files.isInstalled
        let routed = await routing?.isOn == true
        let wildcard = await routing?.servesWildcard(app) == true
        var info = CertificateInfo(
            app: app.rawValue, installed: installed, served: (installed || wildcard) && routed,
            url: await routing?.url(of: app), wildcard: wildcard)
        let path = wildcard ? layout.wildcard.certificate : layout.app(app).certificate
        if installed || wildcard, case .read(let summary) = await CertificateReader.read(path) {
            info.subject = summary.subject
            info.issuer = summary.issuer
            info.notAfter = summary.notAfter
        }
        info.automatic = await renewer?.automatic(app)
        return info
    }
}

/// The apps whose certificate is being changed: a second change of the same app is refused (409) rather than
/// interleaved with the first, whose files it would overwrite between the write and nginx's verdict.
actor CertificateChanges {
    private var busy: Set<AppName> = []

    func claim(_ app: AppName) throws {
        guard busy.insert(app).inserted else {
            throw APIError(
                .conflict, "unable to change the certificate of \(app): another change is in progress; try again")
        }
    }

    func release(_ app: AppName) { busy.remove(app) }
}
