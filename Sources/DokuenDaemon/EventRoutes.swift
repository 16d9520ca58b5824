import DokuenAPI
import DokuenCore
import DokuenStore
import Hummingbird

/// `POST /v1/events`: a client records something that changed nothing but belongs in the audit log (docs/DESIGN.md
/// invariant 6): an ssh command that the forced command (`dokuen git-shell`) or the gitolite command refused. The
/// actor is found as for every request (the socket's unix user, plus the key or gitolite user it acts for); the
/// client chooses only the action, from a short list, and a one-line detail.
extension APIServer {
    /// The actions a client may record.
    static let clientActions: Set<String> = ["ssh.refused"]

    static func addEventRoutes(to v1: RouterGroup<DokuenContext>, store: Store) {
        v1.post("events") { request, context in
            let body = try await request.decode(as: [String: String].self, context: context)
            let action = body["action"] ?? ""
            guard clientActions.contains(action) else {
                throw APIError(
                    .invalid,
                    "invalid event action \(Quoting.quoted(action)): clients may record only "
                        + clientActions.sorted().joined(separator: ", "))
            }
            let app = try body["app"].map { try appName($0) }
            let detail = Quoting.printable(body["detail"] ?? "", limit: 400)
            _ = try await store.appendEvent(
                actor: await actor(request, context), app: app, action: action, detail: detail)
            return Response(status: .noContent)
        }
    }
}
