import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import Hummingbird

/// `dokuen releases APP` and `dokuen rollback APP [vN]` (docs/DESIGN.md §2: a rollback is a new release of vN's build
/// and env snapshot, with no rebuild, cut over like a deploy).
extension APIServer {
    static func addReleaseRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, cutover: Cutover
    ) {
        v1.get("apps/:app/releases") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let builds = Dictionary(uniqueKeysWithValues: try await store.builds(app: name).map { ($0.id, $0) })
            let releases = try await store.releases(app: name)
            return try json(
                releases.map { release in
                    let build = builds[release.buildID]
                    return ReleaseEntry(
                        version: release.id.description, createdAt: release.createdAt, createdBy: release.createdBy,
                        description: release.summary, build: release.buildStamp.description,
                        buildpack: build?.buildpack, commit: build?.commit, current: release.id == releases.first?.id)
                })
        }
        v1.post("apps/:app/rollback") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let body = try await request.decode(as: RollbackRequest.self, context: context)
            var target: ReleaseID?
            if let text = body.release {
                do throws(CoreError) { target = try ReleaseID(text) } catch {
                    throw APIError(.invalid, error.description)
                }
            }
            let (release, from) = try await cutover.rollback(
                name, to: target, actor: await actor(request, context))
            return try json(RollbackResult(release: release.description, from: from.description))
        }
    }
}
