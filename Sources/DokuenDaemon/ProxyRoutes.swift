import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenRouting
import DokuenStore
import Hummingbird

/// `dokuen proxies list|add|remove`: host names nginx routes to addresses Dokuen does not run (a NAS's web UI). The
/// URL is checked by `UpstreamURL` and the host name by `Hostname` and `DomainClaim` before the store or nginx sees
/// either; the proxy's file is installed (nginx -t, reload) at once, and a refused one is not kept.
extension APIServer {
    static func addProxyRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, routing: Routing?
    ) {
        v1.get("proxies") { _, _ in
            try json(try await store.proxies().map(proxyInfo))
        }
        v1.post("proxies") { request, context in
            let body = try await request.decode(as: ProxyRequest.self, context: context)
            let name = try appName(body.name)
            let upstream = try UpstreamURL(body.upstream)
            guard let routing else {
                throw APIError(.invalid, "unable to add proxy \(name): routing is off (dokuend found no nginx)")
            }
            let base = routing.settings.baseDomain
            let hostname =
                try body.domain.map { (text) throws(RoutingError) in try Hostname(text) }
                ?? Hostname(app: name, base: base)
            if try await store.app(named: name) != nil {
                throw APIError(.conflict, "unable to add proxy \(name): an app has that name")
            }
            if let reason = DomainClaim.refusal(
                ofProxyHost: hostname, base: base, apps: try await store.apps().map(\.name),
                holders: try await domainHolders(store))
            {
                throw APIError(.conflict, "unable to add proxy \(name) at \(hostname): \(reason)")
            }
            let actor = await actor(request, context)
            // Where `dokuen certs add NAME` keeps its certificate and `dokuen access` its htpasswd, as an app's: 0711,
            // passable (nginx's workers read the htpasswd file) but not listable.
            try Posix.mkdir(layout.app(name).directory, mode: 0o711, existingOK: true)
            try Posix.chmod(layout.app(name).directory, 0o711)
            let record = try await store.addProxy(
                name, upstream: upstream.description, hostname: hostname.rawValue, actor: actor)
            do {
                try await routing.updateProxy(name)
            } catch {
                // All or nothing: a proxy nginx refuses is not kept.
                try? await store.removeProxy(name, actor: actor)
                throw error
            }
            return try json(proxyInfo(record), status: .created)
        }
        v1.delete("proxies/:name") { request, context in
            let name = try appName(context.parameters.get("name") ?? "")
            try await store.removeProxy(name, actor: await actor(request, context))
            try await routing?.removeProxy(name)
            try Posix.removeTree(layout.app(name).directory)
            return Response(status: .noContent)
        }
    }

    static func proxyInfo(_ record: ProxyRecord) -> ProxyInfo {
        ProxyInfo(name: record.name.rawValue, upstream: record.upstream, hostname: record.hostname)
    }
}
