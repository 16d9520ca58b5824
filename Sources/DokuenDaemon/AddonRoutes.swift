import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import Hummingbird

/// `dokuen addons …` (docs/ADDONS.md, docs/API.md): PostgreSQL and Redis servers supervised like apps, linked to
/// apps through their config.
extension APIServer {
    static func addAddonRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, addons: AddonSupervisor,
        cutover: Cutover
    ) {
        let changer = ConfigChanger(layout: layout, store: store, cutover: cutover)
        v1.get("addons") { _, _ in
            var infos: [AddonInfo] = []
            for record in try await store.addons() { infos.append(try await addons.info(record)) }
            return try json(infos)
        }
        v1.post("addons") { request, context in
            let body = try await request.decode(as: CreateAddonRequest.self, context: context)
            let kind = try AddonKind(parsing: body.kind)
            let name = try addonName(body.name)
            let record = try await addons.create(kind: kind, name: name, actor: await actor(request, context))
            return try json(try await addons.info(record), status: .created)
        }
        v1.get("addons/:addon") { _, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            guard let record = try await store.addon(named: name) else { throw StoreError.addonNotFound(name) }
            return try json(try await addons.info(record))
        }
        v1.delete("addons/:addon") { request, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            let query = request.uri.queryParameters
            guard query.get("confirm") == name.rawValue else {
                throw APIError(
                    .invalid,
                    "destroying add-on \(name) needs --confirm \(name); its data is kept unless --purge")
            }
            let actor = await actor(request, context)
            try await addons.destroy(
                name, purge: query.get("purge") == "1", force: query.get("force") == "1", actor: actor
            ) { link in
                _ = try await addons.unlink(
                    name, app: link.app, purge: false, actor: actor, serverOptional: true
                ) { change, app in try await changer.apply(change, to: app, actor: actor) }
            }
            return Response(status: .noContent)
        }
        v1.post("addons/:addon/stop") { request, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            let actor = await actor(request, context)
            return try json(try await addons.info(try await addons.setStopped(name, true, actor: actor)))
        }
        v1.post("addons/:addon/start") { request, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            let actor = await actor(request, context)
            return try json(try await addons.info(try await addons.setStopped(name, false, actor: actor)))
        }
        v1.post("addons/:addon/restart") { _, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            return try json(try await addons.info(try await addons.restart(name)))
        }
        v1.post("addons/:addon/links") { request, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            let body = try await request.decode(as: LinkAddonRequest.self, context: context)
            let app = try appName(body.app)
            let alias = try body.alias.map { (text) throws(CoreError) in try AddonAlias(text) }
            let actor = await actor(request, context)
            return try json(
                try await addons.link(name, app: app, alias: alias, follow: body.follow ?? true, actor: actor) {
                    change, app in try await changer.apply(change, to: app, actor: actor)
                }, status: .created)
        }
        v1.delete("addons/:addon/links/:app") { request, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            let app = try appName(context.parameters.get("app") ?? "")
            let actor = await actor(request, context)
            return try json(
                try await addons.unlink(
                    name, app: app, purge: request.uri.queryParameters.get("purge") == "1", actor: actor
                ) { change, app in try await changer.apply(change, to: app, actor: actor) })
        }
        v1.get("addons/:addon/connect") { _, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            return try json(try await addons.connectSpec(name))
        }
        v1.get("addons/:addon/dump") { request, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            let database = request.uri.queryParameters.get("database").map { String($0) }
            let file = try await addons.dump(name, database: database)
            // Sent in 64 KiB chunks as it is read, then removed.
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream"],
                body: ResponseBody { writer in
                    defer { try? Posix.removeTree(file) }
                    let fd = try Posix.open(file, .readOnly)
                    defer { Posix.close(fd) }
                    var offset: Int64 = 0
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    while true {
                        let count = try Posix.read(fd, into: &buffer, at: offset, path: file)
                        if count == 0 { break }
                        offset += Int64(count)
                        try await writer.write(ByteBuffer(bytes: buffer.prefix(count)))
                    }
                    try await writer.finish(nil)
                })
        }
        v1.post("addons/:addon/restore") { request, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            let database = request.uri.queryParameters.get("database").map { String($0) }
            guard try await store.addon(named: name) != nil else { throw StoreError.addonNotFound(name) }
            let scratch = AddonPaths(layout: layout, name: name).scratch
            try Posix.mkdir(scratch, mode: 0o700, existingOK: true)
            let file = scratch + "/upload-\(AddonServer.password().prefix(12))"
            // Written as it arrives (a dump may be larger than memory should hold), 0600, then checked.
            let fd = try Posix.open(file, [.writeOnly, .create, .exclusive], mode: 0o600)
            var bytes: Int64 = 0
            do {
                for try await chunk in request.body {
                    try Posix.writeAll(fd, Array(buffer: chunk), path: file)
                    bytes += Int64(chunk.readableBytes)
                }
                Posix.close(fd)
            } catch {
                Posix.close(fd)
                try? Posix.removeTree(file)
                throw error
            }
            guard bytes > 0 else {
                try? Posix.removeTree(file)
                throw APIError(.invalid, "unable to restore add-on \(name): the dump is empty; nothing was changed")
            }
            let restored = try await addons.restore(
                name, database: database, from: file, actor: await actor(request, context))
            return try json(
                AddonRestoreResult(addon: name.rawValue, database: restored.isEmpty ? nil : restored, bytes: bytes))
        }
        let watcher = LogFollower.Watcher()
        v1.get("addons/:addon/logs") { request, context in
            let name = try addonName(context.parameters.get("addon") ?? "")
            let query = request.uri.queryParameters
            let text = query.get("lines") ?? "100"
            guard let count = Int(text), (0...maxLogLines).contains(count) else {
                throw APIError(
                    .invalid,
                    "invalid line count \(Quoting.quoted(String(text))): use a number from 0 to \(maxLogLines)")
            }
            let follow = query.get("follow") == "1"
            guard try await store.addon(named: name) != nil else { throw StoreError.addonNotFound(name) }
            // The server's log is `server.1.log`, which the shim rotates as it rotates an instance's.
            let directory = AddonPaths(layout: layout, name: name).logs
            try Posix.mkdir(directory, mode: 0o700, existingOK: true)
            return try logStream(
                directory: directory, type: nil, index: nil, count: count, follow: follow, watcher: watcher,
                context: context)
        }
    }

    /// An add-on's name follows the app-name rules.
    static func addonName(_ text: String) throws -> AppName {
        do { return try AppName(text) } catch {
            throw APIError(.invalid, "invalid add-on name \(Quoting.quoted(text)): \(Self.reason(of: error))")
        }
    }

    private static func reason(of error: CoreError) -> String {
        if case .invalidAppName(_, let reason) = error { return reason }
        return error.description
    }
}
