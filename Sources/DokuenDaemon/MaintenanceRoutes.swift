import DokuenAPI
import DokuenCore
import DokuenStore
import Hummingbird

/// `dokuen maintenance [on|off] APP`: nginx answers 503 with the app's page while its processes keep running (no
/// restart, `dokuen run` works). The flag is in the store, each change an event, and the app's nginx file is
/// rewritten and nginx reloaded at once (docs/ROUTING.md).
extension APIServer {
    static func addMaintenanceRoutes(to v1: RouterGroup<DokuenContext>, store: Store, routing: Routing?) {
        v1.get("apps/:app/maintenance") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            return try json(try await maintenanceInfo(name, store: store, routing: routing, changed: false))
        }
        v1.post("apps/:app/maintenance") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let body = try await request.decode(as: MaintenanceRequest.self, context: context)
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            let changed = try await store.setMaintenance(app: name, on: body.on, actor: await actor(request, context))
            try await routing?.update(name)
            return try json(try await maintenanceInfo(name, store: store, routing: routing, changed: changed))
        }
    }

    static func maintenanceInfo(_ app: AppName, store: Store, routing: Routing?, changed: Bool) async throws
        -> MaintenanceInfo
    {
        MaintenanceInfo(
            app: app.rawValue, on: try await store.inMaintenance(app: app),
            page: try await routing?.maintenancePageName(of: app) ?? "built-in", changed: changed)
    }
}
