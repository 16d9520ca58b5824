import DokuenAPI
import DokuenCore
import DokuenRouting
import DokuenStore
import Hummingbird

/// `dokuen domains add|remove|list APP [DOMAIN]`: custom hostnames beside `<app>.<base domain>`. A domain is
/// checked as strictly as nginx's config needs (DokuenRouting's `Hostname`) before the store sees it, and the
/// app's routes are rewritten at once.
extension APIServer {
    static func addDomainRoutes(to v1: RouterGroup<DokuenContext>, store: Store, routing: Routing?) {
        v1.get("apps/:app/domains") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            return try json(try await store.domains(app: name).map(\.hostname).sorted())
        }
        v1.post("apps/:app/domains") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let body = try await request.decode(as: DomainRequest.self, context: context)
            let hostname = try strictHostname(body.hostname)
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            if let reason = try await claimRefusal(try Hostname(hostname), for: name, store: store, routing: routing) {
                throw APIError(.conflict, "unable to add domain \(hostname) to \(name): \(reason)")
            }
            _ = try await store.addDomain(hostname, app: name, actor: await actor(request, context))
            try await routing?.update(name)
            return try json(try await store.domains(app: name).map(\.hostname).sorted(), status: .created)
        }
        v1.delete("apps/:app/domains/:hostname") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let hostname = try strictHostname(context.parameters.get("hostname") ?? "")
            guard try await store.domains(app: name).contains(where: { $0.hostname == hostname }) else {
                throw APIError(.notFound, "unable to remove domain \(hostname) of \(name): the app has no such domain")
            }
            try await store.removeDomain(hostname, actor: await actor(request, context))
            try await routing?.update(name)
            return try json(try await store.domains(app: name).map(\.hostname).sorted())
        }
    }

    /// Who holds each routed custom domain, as a refusal names it (`app blog`).
    static func domainHolders(_ store: Store) async throws -> [Hostname: String] {
        var holders: [Hostname: String] = [:]
        for record in try await store.domains() {
            guard let hostname = try? Hostname(record.hostname) else { continue }
            holders[hostname] = "app \(record.app)"
        }
        for proxy in try await store.proxies() {
            guard let hostname = try? Hostname(proxy.hostname) else { continue }
            holders[hostname] = "proxy \(proxy.name)"
        }
        return holders
    }

    /// Why `hostname` cannot be `app`'s domain (DomainClaim), or nil. With routing off there is no base domain, and
    /// only a domain another app holds is refused (by the store).
    static func claimRefusal(_ hostname: Hostname, for app: AppName, store: Store, routing: Routing?) async throws
        -> String?
    {
        guard let routing else { return nil }
        return DomainClaim.refusal(
            of: hostname, for: app, base: routing.settings.baseDomain, apps: try await store.apps().map(\.name),
            holders: try await domainHolders(store))
    }

    static func strictHostname(_ text: String) throws -> String {
        do throws(RoutingError) { return try Hostname(text).rawValue } catch {
            throw APIError(.invalid, error.description)
        }
    }
}
