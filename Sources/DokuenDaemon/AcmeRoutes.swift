import DokuenAPI
import DokuenCore
import DokuenRouting
import DokuenStore
import Hummingbird

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `dokuen certs auto|renew` (docs/CERTS.md): turning automatic certificates on and off for an app or the base
/// domain's wildcard, and a renewal now. Turning on and renewing wait for the attempt, so the answer says whether a
/// certificate was obtained; a failure is answered (503) after it was recorded, and changes no file.
extension APIServer {
    static func addAcmeRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, routing: Routing?, renewer: AcmeRenewer
    ) {
        v1.post("apps/:app/certs/auto") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            let body = try await request.decode(as: AutomaticCertificateRequest.self, context: context)
            return try await turnOn(name, dns: body.dns, request, context, layout, store, routing, renewer)
        }
        v1.delete("apps/:app/certs/auto") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            try await store.clearAcme(app: name, actor: await actor(request, context))
            return try json(await certificateInfo(name, layout: layout, routing: routing, renewer: renewer))
        }
        v1.post("apps/:app/certs/renew") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            try await renewer.attempt(name, actor: await actor(request, context))
            return try json(await certificateInfo(name, layout: layout, routing: routing, renewer: renewer))
        }
        v1.get("certs/wildcard") { _, _ in
            try json(await wildcardInfo(layout: layout, routing: routing, renewer: renewer))
        }
        v1.post("certs/wildcard") { request, context in
            try await turnOn(nil, dns: true, request, context, layout, store, routing, renewer)
        }
        v1.delete("certs/wildcard") { request, context in
            try await store.clearAcme(app: nil, actor: await actor(request, context))
            return try json(await wildcardInfo(layout: layout, routing: routing, renewer: renewer))
        }
        v1.post("certs/wildcard/renew") { request, context in
            try await renewer.attempt(nil, actor: await actor(request, context))
            return try json(await wildcardInfo(layout: layout, routing: routing, renewer: renewer))
        }
        v1.get("certs/warnings") { _, _ in
            try json(await renewer.warnings(now: Int64(Date().timeIntervalSince1970)))
        }
    }

    private static func turnOn(
        _ app: AppName?, dns: Bool, _ request: Request, _ context: DokuenContext, _ layout: RootLayout, _ store: Store,
        _ routing: Routing?, _ renewer: AcmeRenewer
    ) async throws -> Response {
        if let refusal = await renewer.refusal(dns: dns, name: app?.rawValue ?? "the wildcard") {
            throw APIError(.invalid, refusal)
        }
        _ = try await renewer.domains(for: app)
        let actor = await actor(request, context)
        try await store.setAcme(app: app, challenge: dns ? "dns-01" : "http-01", actor: actor)
        try await renewer.attempt(app, actor: actor)
        guard let app else { return try json(await wildcardInfo(layout: layout, routing: routing, renewer: renewer)) }
        return try json(await certificateInfo(app, layout: layout, routing: routing, renewer: renewer))
    }

    /// The wildcard's certificate as `certs info --wildcard` shows it (`app` is `*`).
    static func wildcardInfo(layout: RootLayout, routing: Routing?, renewer: AcmeRenewer) async -> CertificateInfo {
        let installed = CertificateFiles(paths: layout.wildcard).isInstalled
        let routed = await routing?.isOn == true
        var info = CertificateInfo(app: "*", installed: installed, served: installed && routed, url: nil)
        if installed, case .read(let summary) = await CertificateReader.read(layout.wildcard.certificate) {
            info.subject = summary.subject
            info.issuer = summary.issuer
            info.notAfter = summary.notAfter
        }
        info.automatic = await renewer.automatic(nil)
        return info
    }
}
