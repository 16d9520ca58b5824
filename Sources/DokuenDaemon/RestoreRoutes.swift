import DokuenAPI
import DokuenCore
import DokuenStore
import Hummingbird

/// `dokuen restore` (docs/BACKUP.md, docs/API.md): `POST /v1/restore` with a `RestoreRequest`, answered as an NDJSON
/// stream of `RestoreEvent`s, like a deploy's. The restore runs to its end even when the client goes away.
extension APIServer {
    static func addRestoreRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, supervisor: InstanceSupervisor,
        routing: Routing?, settings: DaemonSettings, addons: AddonSupervisor?, defaults: Restorer.Defaults
    ) {
        // What a restore cut short by a daemon's death left in run/ goes at the next start.
        Restorer.removeLeftovers(layout)
        let restorer = Restorer(
            layout: layout, store: store, supervisor: supervisor, routing: routing, settings: settings,
            addons: addons, defaults: defaults)
        v1.post("restore") { request, context in
            let body = try await request.decode(as: RestoreRequest.self, context: context)
            let actor = await actor(request, context)
            let (events, sink) = AsyncStream<RestoreEvent>.makeStream()
            Task {
                do {
                    let outcome = try await restorer.run(body, actor: actor) { sink.yield(RestoreEvent(line: $0)) }
                    sink.yield(RestoreEvent(restored: outcome))
                } catch {
                    sink.yield(RestoreEvent(error: message(for: error)))
                }
                sink.finish()
            }
            return streaming(events)
        }
    }
}
