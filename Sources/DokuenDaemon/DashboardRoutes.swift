import DokuenAPI
import DokuenCore
import DokuenStore
import Hummingbird

/// `dokuen dashboard token [--rotate] [--metrics]` (docs/DASHBOARD.md): the dashboard's sign-in token and the bearer
/// token of its `/metrics`, shown (made first when there is none) or replaced. Admins only, as every route of the
/// socket; the dashboard itself reads them here too, as a client of this API. A rotation is in the event log (the
/// kind, never the token).
extension APIServer {
    static func addDashboardRoutes(to v1: RouterGroup<DokuenContext>, store: Store, tokens: DashboardTokens) {
        v1.get("dashboard/token") { request, _ in
            try json(try await tokens.current(kind(request)))
        }
        v1.post("dashboard/token/rotate") { request, context in
            let kind = try kind(request)
            let token = try await tokens.rotate(kind)
            _ = try await store.appendEvent(
                actor: await actor(request, context), app: nil, action: "dashboard.rotate",
                detail: kind == .signIn ? "sign-in token (every session ends)" : "metrics token")
            return try json(token)
        }
    }

    /// `?metrics=1` names the metrics token; nothing (or `metrics=0`) the sign-in token.
    private static func kind(_ request: Request) throws -> DashboardTokens.Kind {
        switch request.uri.queryParameters.get("metrics") {
        case nil, "0": return .signIn
        case "1": return .metrics
        case let other?: throw APIError(.invalid, "invalid metrics \(Quoting.quoted(String(other))): it is 0 or 1")
        }
    }
}
