import DokuenAPI
import Hummingbird

/// The control socket is for people, not apps (docs/DESIGN.md §2 and invariant 9). The socket's mode lets only root and
/// the admin group connect; this middleware checks the peer's credentials (SO_PEERCRED) on every request as well,
/// and answers 403 to an app's user even if someone added it to the admin group, before any route runs.
struct PeerCheck: RouterMiddleware {
    typealias Context = DokuenContext
    let adminGroup: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        // A transport without credentials (none today) is not a Unix socket: nothing to check.
        if let peer = await context.peerCredentials(),
            let reason = AppAccounts.refusal(uid: peer.uid, adminGroup: adminGroup)
        {
            DaemonLog.error("api", "refused \(request.method) \(request.uri.path) from pid \(peer.pid): \(reason)")
            throw APIError(.forbidden, "unable to use dokuend: \(reason)")
        }
        return try await next(request, context)
    }
}
