import DokuenAPI
import DokuenCore
import DokuenRouting
import DokuenStore
import Hummingbird

/// `dokuen access APP [allow|deny CIDR…|basic-auth USER|clear]`: who may reach an app or a proxy. Every CIDR, user name and
/// hash is checked here (DokuenRouting's `CIDR`, `BasicAuthUser`, `PasswordHash`) before the store or nginx sees
/// it, and the app's routes are rewritten at once (docs/ROUTING.md).
extension APIServer {
    static func addAccessRoutes(to v1: RouterGroup<DokuenContext>, store: Store, routing: Routing?) {
        v1.get("apps/:app/access") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            try await appOrProxyExists(name, store)
            return try json(try await accessInfo(name, store))
        }
        v1.post("apps/:app/access") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let body = try await request.decode(as: AccessRequest.self, context: context)
            try await appOrProxyExists(name, store)
            let actor = await actor(request, context)
            if body.clear == true {
                try await store.clearAccess(app: name, actor: actor)
            } else if let cidrs = body.allow ?? body.deny {
                guard !cidrs.isEmpty, cidrs.count <= 100 else {
                    throw APIError(.invalid, "unable to change access of \(name): give 1 to 100 addresses")
                }
                let parsed = try cidrs.map { (text) throws(RoutingError) in try CIDR(text).description }
                try await store.addAccessRules(app: name, allow: body.allow != nil, cidrs: parsed, actor: actor)
            } else if let user = body.user, let hash = body.hash {
                let user = try BasicAuthUser(user)
                let hash = try PasswordHash(hash)
                try await store.setBasicAuth(app: name, user: user.rawValue, hash: hash.rawValue, actor: actor)
            } else {
                throw APIError(.invalid, "unable to change access of \(name): give clear, allow, deny or user and hash")
            }
            if try await store.proxy(named: name) != nil {
                try await routing?.updateProxy(name)
            } else {
                try await routing?.update(name)
            }
            return try json(try await accessInfo(name, store))
        }
    }

    static func accessInfo(_ app: AppName, _ store: Store) async throws -> AccessInfo {
        let record = try await store.access(app: app)
        return AccessInfo(app: app.rawValue, allow: record.allow, deny: record.deny, users: record.users.map(\.user))
    }
}
