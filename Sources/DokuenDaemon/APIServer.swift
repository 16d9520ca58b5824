import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenRouting
import DokuenStore
import HTTPTypes
import Hummingbird
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// dokuend's HTTP/1.1 + JSON API on `run/dokuend.sock` (docs/API.md). Handlers validate every name at the boundary
/// and answer errors as `{"error": {"code": "not_found", "message": "<one line>"}}` (`APIError`).
public enum APIServer {
    /// Builds the server. `onListening` runs once the socket accepts connections (its mode is already 0660).
    public static func application(
        layout: RootLayout, store: Store, supervisor: InstanceSupervisor, routing: Routing?, settings: DaemonSettings,
        addons: AddonSupervisor? = nil, onListening: @escaping @Sendable () async -> Void
    ) -> some ApplicationProtocol {
        let cutover = Cutover(
            layout: layout, store: store, supervisor: supervisor, keepReleases: settings.keepReleases,
            routing: routing, drainMilliseconds: settings.drainMilliseconds,
            bootTimeoutSeconds: settings.bootTimeoutSeconds, metrics: settings.metrics)
        let deployer = Deployer(layout: layout, store: store, cutover: cutover, settings: settings)
        // Auto-rollback goes through this cutover's deploy queue, as `dokuen rollback` does.
        Task {
            await supervisor.setRollbackHandler { app, from, target in
                try await cutover.rollback(app, to: target, actor: "dokuend", onlyFrom: from).0
            }
        }
        let router = Router(context: DokuenContext.self)
        // Middleware first: Hummingbird applies it only to routes added after it. The request metrics outermost, so
        // that they see each answer's status after the error middleware made it (docs/METRICS.md).
        if settings.metrics != nil { router.add(middleware: MetricsMiddleware()) }
        router.add(middleware: ErrorMiddleware())
        // Each app's user and who owns its files: the supervisor's, so that every part agrees.
        let accounts = supervisor.accounts
        router.add(middleware: PeerCheck(adminGroup: accounts.gitUser))
        let v1 = router.group("v1")

        v1.get("health") { _, _ in
            let count = try await store.apps().count
            return try json(HealthResponse(version: DokuenVersion.current, root: layout.root, apps: count))
        }
        v1.get("apps") { _, _ in
            var apps: [AppInfo] = []
            for record in try await store.apps() { apps.append(try await info(record, store)) }
            return try json(apps)
        }
        v1.post("apps") { request, context in
            let body = try await request.decode(as: CreateAppRequest.self, context: context)
            let name = try appName(body.name)
            let actor = await actor(request, context)
            if let base = routing?.settings.baseDomain,
                let reason = DomainClaim.refusal(ofAppNamed: name, base: base, holders: try await domainHolders(store))
            {
                throw APIError(.conflict, "unable to create app \(name): \(reason)")
            }
            if try await store.proxy(named: name) != nil {
                throw APIError(.conflict, "unable to create app \(name): a proxy has that name (dokuen proxies list)")
            }
            let record = try await store.createApp(name, actor: actor)
            do {
                // Its own user first (docs/DESIGN.md §2, Privileges), then the repository, then who owns what.
                let credentials = try await accounts.credentials(name)
                try await GitRepository(layout: layout, owner: accounts.isolated ? accounts.gitUser : nil)
                    .create(name)
                try accounts.secure(name, credentials)
            } catch {
                // All or nothing: an app without the repository its pushes need is not created.
                try? await store.destroyApp(name, actor: actor)
                try? Posix.removeTree(layout.app(name).directory)
                throw error
            }
            return try json(try await info(record, store), status: .created)
        }
        v1.get("apps/:app") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard let record = try await store.app(named: name) else { throw StoreError.appNotFound(name) }
            return try json(try await info(record, store))
        }
        v1.delete("apps/:app") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard request.uri.queryParameters.get("confirm") == name.rawValue else {
                throw APIError(
                    .invalid,
                    "destroying \(name) needs --confirm \(name); its data/ directory is kept unless --purge")
            }
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            // Its add-on roles first, while its links still say which (docs/ADDONS.md).
            await addons?.forget(app: name, purge: request.uri.queryParameters.get("purge") == "1")
            // Its cron runs stop and are recorded while the app's rows still are (docs/CRON.md).
            await settings.cron?.stopAll(of: name)
            try await store.destroyApp(name, actor: await actor(request, context))
            settings.metrics?.appDestroyed(name)
            try? await routing?.remove(name)
            // Its instances stop now, and anything else its user still runs; its files go, but data/ (and its
            // user, who owns it) stay unless purged.
            try await supervisor.reconcile()
            accounts.endProcesses(name)
            let paths = layout.app(name)
            for path in [
                paths.releases, paths.env, paths.cache, paths.logs, paths.current, paths.previous, paths.repository,
                paths.tls, paths.deploys, layout.pagesDirectory + "/" + name.rawValue, paths.directory + "/htpasswd",
            ] {
                try Posix.removeTree(path)
            }
            for name in (try? Posix.listDirectory(paths.directory)) ?? []
            where name.hasPrefix("env.g") || name.hasPrefix(".tls-") {
                try Posix.removeTree(paths.directory + "/" + name)
            }
            if request.uri.queryParameters.get("purge") == "1" {
                try Posix.removeTree(paths.directory)
                try await accounts.remove(name)
            }
            return Response(status: .noContent)
        }
        v1.post("apps/:app/deploys") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            let commit = request.uri.queryParameters.get("commit").map { String($0) }
            if let commit,
                !(7...64).contains(commit.utf8.count)
                    || !commit.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
            {
                throw APIError(
                    .invalid, "invalid commit \(Quoting.quoted(commit)): it must be 7 to 64 lowercase hex digits")
            }
            let query = request.uri.queryParameters
            let push = try query.get("repository").map {
                try PushGuard(
                    repository: String($0), ref: String(query.get("ref") ?? ""), old: String(query.get("old") ?? ""))
            }
            let tarball = Array(buffer: try await request.body.collect(upTo: 1 << 30))
            let actor = await actor(request, context)
            let (events, sink) = AsyncStream<DeployEvent>.makeStream()
            // The deploy runs to its end even when the client goes away: a closed terminal never leaves it half
            // done. The response streams its steps as they happen (docs/DESIGN.md §2).
            Task {
                do {
                    let release = try await deployer.deploy(
                        name, tarball: tarball, commit: commit, push: push, actor: actor,
                        started: { sink.yield(DeployEvent(deploy: $0)) }
                    ) {
                        sink.yield(DeployEvent(line: $0))
                    }
                    sink.yield(DeployEvent(release: release.description))
                } catch {
                    sink.yield(DeployEvent(error: message(for: error)))
                }
                sink.finish()
            }
            return streaming(events)
        }
        // The app's deploys, newest first (up to 20): `dokuen` looks for a running one to say what a verb that makes
        // a release waits for (docs/DESIGN.md §2, "Verbs during a deploy").
        v1.get("apps/:app/deploys") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            return try json(
                try await store.deploys(app: name, limit: 20).map { deploy in
                    DeployOutcome(
                        id: deploy.id, app: deploy.app.rawValue, state: deploy.state.rawValue,
                        release: deploy.release?.description, error: deploy.error, phase: deploy.phase,
                        source: deploy.source)
                })
        }
        v1.get("apps/:app/deploys/:id") { _, context in
            let (_, deploy) = try await appDeploy(context, store)
            return try json(
                DeployOutcome(
                    id: deploy.id, app: deploy.app.rawValue, state: deploy.state.rawValue,
                    release: deploy.release?.description, error: deploy.error, phase: deploy.phase,
                    source: deploy.source))
        }
        // A deploy's output as `dokuen deploy` printed it, kept by dokuend (`DeployOutput`): the dashboard's deploy
        // page. Deploys older than the newest 50 of the app, and those from before it was kept, have none.
        v1.get("apps/:app/deploys/:id/output") { _, context in
            let (name, deploy) = try await appDeploy(context, store)
            guard let output = try DeployOutput.read(layout: layout, app: name, deploy: deploy.id) else {
                throw APIError(.notFound, "unable to show the output of deploy \(deploy.id) of \(name): none was kept")
            }
            var buffer = ByteBuffer()
            buffer.writeBytes(output)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: buffer))
        }
        v1.post("apps/:app/git") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let body = try await request.decode(as: GitSettings.self, context: context)
            let branch = try body.deployBranch.map { (text) throws(CoreError) in try BranchName(text) }
            try await store.setDeployBranch(name, to: branch, actor: await actor(request, context))
            guard let record = try await store.app(named: name) else { throw StoreError.appNotFound(name) }
            return try json(try await info(record, store))
        }
        v1.get("apps/:app/formation") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            return try json(try await formation(name, store))
        }
        v1.post("apps/:app/formation") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let body = try await request.decode(as: ScaleRequest.self, context: context)
            let requested = try Formation.parse(body.formation.split(separator: " ").map(String.init))
            try await scale(
                name, to: requested, actor: await actor(request, context), store: store, supervisor: supervisor,
                cutover: cutover)
            return try json(try await formation(name, store))
        }
        v1.get("apps/:app/config") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            let env = try EnvDirectory(path: layout.app(name).env).read()
            return try json(Dictionary(uniqueKeysWithValues: env.map { ($0.key.rawValue, $0.value) }))
        }
        v1.post("apps/:app/config") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let change = try await request.decode(as: ConfigChange.self, context: context)
            return try json(
                try await ConfigChanger(layout: layout, store: store, cutover: cutover)
                    .apply(change, to: name, actor: await actor(request, context)))
        }
        v1.post("control") { request, context in
            let body = try await request.decode(as: ControlRequest.self, context: context)
            let command = try controlCommand(body.command)
            var targets: [Target] = []
            for text in body.targets {
                do throws(CoreError) { targets.append(try Target(text)) } catch {
                    throw APIError(.invalid, error.description)
                }
            }
            let query = request.uri.queryParameters
            let rolling = query.get("rolling") == "1"
            let wait = query.get("wait") == "1"
            guard body.command == "r", rolling || wait else {
                return try json(try await supervisor.control(command, targets: targets))
            }
            // `dokuen restart`: rolling where nginx routes web, awaited unless --no-wait (RollingRestart).
            let restart = RollingRestart(supervisor: supervisor, cutover: cutover)
            let plan = try await restart.plan(targets, rolling: rolling)
            let actor = await actor(request, context)
            guard wait else { return try json(try await restart.start(plan, actor: actor)) }
            let (events, sink) = AsyncStream<RestartEvent>.makeStream()
            // As a deploy: it runs to its end even when the client goes away.
            Task {
                do {
                    let restarted = try await restart.run(plan, actor: actor) { sink.yield(RestartEvent(line: $0)) }
                    sink.yield(RestartEvent(restarted: restarted))
                } catch {
                    sink.yield(RestartEvent(error: message(for: error)))
                }
                sink.finish()
            }
            return streaming(events)
        }
        v1.post("shutdown") { _, _ in
            // A laptop's private nginx stops with a shutdown, not with a restart (docs/MODES.md).
            settings.privateNginx?.stop()
            // dokuend's stop service does the rest: STOPPING=1, the group's graceful shutdown (this answer first),
            // then exit. Apps keep running.
            settings.stopRequests?.request(.shutdownRequest)
            return Response(status: .accepted)
        }
        v1.get("apps/:app/run") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            return try json(try await supervisor.runSpec(for: name))
        }
        v1.get("events") { request, _ in
            let app = try request.uri.queryParameters.get("app").map { try appName($0) }
            let events = try await store.events(app: app, limit: 200).map {
                EventEntry(at: $0.at, actor: $0.actor, app: $0.app?.rawValue, action: $0.action, detail: $0.detail)
            }
            return try json(events)
        }
        v1.get("status") { request, _ in
            // `usage=0`: without each process's memory and CPU, which `dokuen status` does not print.
            let statuses = try await supervisor.statuses(usage: request.uri.queryParameters.get("usage") != "0")
            var buffer = ByteBuffer()
            buffer.writeString(InstanceStatusJSON.array(statuses) + "\n")
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
        }

        addLogRoutes(to: v1, layout: layout, store: store)
        addProcessRoutes(to: v1, layout: layout, store: store, supervisor: supervisor, cutover: cutover)
        addReleaseRoutes(to: v1, layout: layout, store: store, cutover: cutover)
        addBuildpackRoutes(to: v1, layout: layout, store: store, settings: settings)
        addDomainRoutes(to: v1, store: store, routing: routing)
        addMaintenanceRoutes(to: v1, store: store, routing: routing)
        addAccessRoutes(to: v1, store: store, routing: routing)
        addProxyRoutes(to: v1, layout: layout, store: store, routing: routing)
        addCheckRoutes(to: v1, layout: layout, store: store, supervisor: supervisor, routing: routing)
        addCertificateRoutes(to: v1, layout: layout, store: store, routing: routing, renewer: settings.acme)
        if let renewer = settings.acme {
            addAcmeRoutes(to: v1, layout: layout, store: store, routing: routing, renewer: renewer)
        }
        addEventRoutes(to: v1, store: store)
        if let notifier = settings.notifier { addNotifyRoutes(to: v1, notifier: notifier) }
        if let metrics = settings.metrics {
            addMetricsRoutes(
                to: v1, store: store, supervisor: supervisor, addons: addons, renewer: settings.acme, metrics: metrics)
        }
        addDashboardRoutes(to: v1, store: store, tokens: DashboardTokens(layout: layout))
        addRunRoutes(to: v1, store: store, supervisor: supervisor)
        if let cron = settings.cron { addCronRoutes(to: v1, store: store, cron: cron) }
        if let backups = settings.backups {
            addBackupRoutes(to: v1, store: store, backups: backups, scheduler: settings.backupScheduler)
        }
        if let addons { addAddonRoutes(to: v1, layout: layout, store: store, addons: addons, cutover: cutover) }
        addRestoreRoutes(
            to: v1, layout: layout, store: store, supervisor: supervisor, routing: routing, settings: settings,
            addons: addons,
            defaults: Restorer.Defaults(
                repository: settings.backups?.settings?.repository,
                passwordFile: settings.backups?.settings?.passwordFile,
                options: settings.backups?.settings?.options ?? []))
        let socket = layout.socket
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socket), serverName: "dokuend"),
            onServerRunning: { _ in
                // Only the owner and the `dokuen` group may talk to the daemon (docs/DESIGN.md §2).
                try? SocketPermissions.restrict(socket)
                await onListening()
            },
            logger: Logger(label: "dokuend"))
    }

    /// Who the event log names for a request: the unix user the kernel reports for the connecting process
    /// (SO_PEERCRED), which a client cannot choose. A client may add whom it acts for (the gitolite user of a
    /// push, in `X-Dokuen-Actor`); that name is recorded beside the real one, never instead of it.
    static func actor(_ request: Request, _ context: DokuenContext) async -> String {
        var user = "unknown"
        if let peer = await context.peerCredentials() {
            user = Posix.userName(uid: peer.uid) ?? "uid \(peer.uid)"
        }
        let claimed = request.headers[HTTPField.Name("X-Dokuen-Actor")!] ?? ""
        let clean = claimed.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0 != "\u{7F}" }
        guard clean, !claimed.isEmpty, claimed.count <= 64, claimed != user else { return user }
        return "\(claimed) (via \(user))"
    }

    static func formation(_ name: AppName, _ store: Store) async throws -> [FormationEntry] {
        guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
        return try await store.formation(app: name).map {
            FormationEntry(
                type: $0.type.rawValue, count: $0.count, stopped: $0.stopped,
                stoppedIndexes: $0.stoppedIndexes.sorted())
        }
    }

    static func appName(_ text: String) throws -> AppName {
        do { return try AppName(text) } catch { throw APIError(.invalid, error.description) }
    }

    /// The `:app` and `:id` of a deploy's route: the app's name and its deploy (404 for another app's).
    static func appDeploy(_ context: DokuenContext, _ store: Store) async throws -> (AppName, DeployRecord) {
        let name = try appName(context.parameters.get("app") ?? "")
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0 else {
            throw APIError(.invalid, "invalid deploy id \(Quoting.quoted(text)): it is a positive whole number")
        }
        let deploy = try await store.deploy(id)
        guard deploy.app == name else { throw StoreError.deployNotFound(id) }
        return (name, deploy)
    }

    static func info(_ record: AppRecord, _ store: Store) async throws -> AppInfo {
        let release = try await store.latestRelease(app: record.name)
        return AppInfo(
            name: record.name.rawValue, createdAt: record.createdAt, release: release?.id.description,
            deployBranch: record.deployBranch?.rawValue)
    }

    /// A 200 answer that streams `events` as NDJSON, one line each, as they come. A client that hangs up ends the
    /// answer, not the work that yields the events, unless `whenClientLeaves` says otherwise (a one-off command
    /// stops, as at a terminal's hangup).
    static func streaming<Event: Encodable & Sendable>(
        _ events: AsyncStream<Event>, whenClientLeaves: (@Sendable () -> Void)? = nil
    ) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"],
            body: ResponseBody { writer in
                try await withTaskCancellationHandler {
                    do {
                        for await event in events { try await writer.write(try ndjson(event)) }
                        try await writer.finish(nil)
                    } catch {
                        whenClientLeaves?()
                        throw error
                    }
                } onCancel: {
                    whenClientLeaves?()
                }
            })
    }

    /// One line of an NDJSON stream.
    static func ndjson(_ value: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var buffer = ByteBuffer()
        buffer.writeBytes(try encoder.encode(value))
        buffer.writeString("\n")
        return buffer
    }

    /// The one-line message of an error, as the error middleware would answer it.
    static func message(for error: any Error) -> String { APIError(answering: error).message }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var buffer = ByteBuffer()
        buffer.writeBytes(try encoder.encode(value))
        buffer.writeString("\n")
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
    }
}

/// Maps every error a handler throws to the one error answer: `{"error": {"code", "message"}}` with the code's
/// HTTP status (`APIError(answering:)` decides both).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let failure = APIError(answering: error)
            return try APIServer.json(
                ErrorBody(code: failure.code, message: failure.message),
                status: HTTPResponse.Status(code: failure.code.status))
        }
    }
}
