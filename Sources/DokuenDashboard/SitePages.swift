import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenThreads
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The pages (GET only: no page changes anything): every app at a glance, one app, its logs, the event log, and the
/// JSON that refreshes the instance tables.
extension Site {
    func addPages(to router: Router<DashboardContext>) {
        router.get("/") { request, _ in
            try await page(request) { session in
                async let statuses = api.call("GET", "/v1/status", as: [InstanceStatus].self)
                async let apps = api.call("GET", "/v1/apps", as: [AppInfo].self)
                async let addons = api.call("GET", "/v1/addons", as: [AddonInfo].self)
                let values = PageModels.overview(
                    statuses: try await statuses, apps: try await apps, addons: (try? await addons) ?? [],
                    csrf: session.csrf, now: Self.now())
                return DashboardServer.html(renderer.render("overview", values))
            }
        }
        router.get("status.json") { request, _ in
            try await data(request) { _ in
                var statuses = try await api.call("GET", "/v1/status", as: [InstanceStatus].self)
                let app = request.uri.queryParameters.get("app").map { String($0) }
                if let app { statuses = statuses.filter { $0.app == app } }
                return DashboardServer.json(PageModels.instanceRows(statuses, now: Self.now(), withApp: app == nil))
            }
        }
        router.get("apps/:app") { request, context in
            try await page(request) { session in
                let name = try Self.appName(context)
                let values = PageModels.app(try await appPage(name), csrf: session.csrf, now: Self.now())
                return DashboardServer.html(renderer.render("app", values))
            }
        }
        router.get("apps/:app/deploys/:id") { request, context in
            try await page(request) { session in
                let name = try Self.appName(context)
                let text = context.parameters.get("id") ?? ""
                guard let id = Int64(text), id > 0 else {
                    throw HTTPError(.badRequest, message: "invalid deploy id: it is a positive whole number")
                }
                let path = "/v1/apps/\(name)/deploys/\(id)"
                let deploy = try await api.call("GET", path, as: DeployOutcome.self)
                // Deploys from before output was kept, and those beyond the newest 50, have none: the page says so.
                var output: String?
                do throws(DashboardError) {
                    output = String(decoding: try await api.raw("GET", path + "/output"), as: UTF8.self)
                } catch {
                    guard case .refused(status: 404, _) = error else { throw error }
                }
                let values = PageModels.deploy(deploy, output: output, csrf: session.csrf)
                return DashboardServer.html(renderer.render("deploy", values))
            }
        }
        router.get("apps/:app/logs") { request, context in
            try await page(request) { session in
                let name = try Self.appName(context)
                let formation = try await api.call(
                    "GET", "/v1/apps/\(name)/formation", as: [FormationEntry].self)
                let selected = try Self.processType(request.uri.queryParameters.get("type").map { String($0) })
                let values = PageModels.logs(
                    app: name.rawValue, types: formation.map(\.type), selected: selected, csrf: session.csrf)
                return DashboardServer.html(renderer.render("logs", values))
            }
        }
        router.get("apps/:app/logs/stream") { request, context in
            try await data(request) { _ in
                let name = try Self.appName(context)
                let type = try Self.processType(request.uri.queryParameters.get("type").map { String($0) })
                return try await logStream(name, type: type)
            }
        }
        router.get("events") { request, _ in
            try await page(request) { session in
                let events = try await api.call("GET", "/v1/events", as: [EventEntry].self)
                return DashboardServer.html(
                    renderer.render("events", PageModels.events(Array(events.prefix(500)), csrf: session.csrf)))
            }
        }
    }

    /// Everything one app's page shows, each part asked of dokuend on its own: a part it cannot give is named on the
    /// page instead of failing the page.
    func appPage(_ name: AppName) async throws -> PageModels.AppPage {
        var page = PageModels.AppPage(name: name.rawValue)
        page.info = try await api.call("GET", "/v1/apps/\(name)", as: AppInfo.self)
        func part<T: Decodable>(_ path: String, _ what: String, as type: T.Type) async -> T? {
            do { return try await api.call("GET", path, as: T.self) } catch {
                page.problems.append("\(what): \(error)")
                return nil
            }
        }
        let base = "/v1/apps/\(name)"
        page.statuses = (await part("/v1/status", "instances", as: [InstanceStatus].self) ?? []).filter {
            $0.app == name.rawValue
        }
        page.formation = await part(base + "/formation", "formation", as: [FormationEntry].self) ?? []
        page.releases = await part(base + "/releases", "releases", as: [ReleaseEntry].self) ?? []
        page.deploys = await part(base + "/deploys", "deploys", as: [DeployOutcome].self) ?? []
        page.configKeys = (await part(base + "/config", "config", as: [String: String].self) ?? [:]).keys.sorted()
        page.maintenance = await part(base + "/maintenance", "maintenance", as: MaintenanceInfo.self)
        page.domains = await part(base + "/domains", "domains", as: [String].self) ?? []
        page.certificate = await part(base + "/certs", "certificate", as: CertificateInfo.self)
        page.checks = await part(base + "/checks", "checks", as: ChecksReport.self)
        page.cron = await part(base + "/cron", "cron", as: [CronJobStatus].self) ?? []
        return page
    }

    static func appName(_ context: DashboardContext) throws -> AppName {
        do { return try AppName(context.parameters.get("app") ?? "") } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
    }

    static func processType(_ text: String?) throws -> String? {
        guard let text, !text.isEmpty else { return nil }
        do { return try ProcessType(String(text)).description } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
    }

    /// Server-sent events (text/event-stream) of the app's log: the last 100 lines, then every new one, each event's
    /// data one NDJSON object of `GET /v1/apps/NAME/logs?follow=1` (`{dyno, line, time}`), as dokuend sent it.
    /// The API's stream is read on a thread of its own; once the browser has gone (found at the latest by the next
    /// heartbeat), its connection to dokuend is shut down, which ends the thread's read and dokuend's follower.
    func logStream(_ name: AppName, type: String?) async throws -> Response {
        let path = "/v1/apps/\(name)/logs?follow=1&lines=100" + (type.map { "&type=\($0)" } ?? "")
        // Errors (an unknown app or type) come before the stream starts: asked once without follow.
        _ = try await api.raw("GET", "/v1/apps/\(name)/logs?lines=0" + (type.map { "&type=\($0)" } ?? ""))
        let client = api.client
        let connection = StreamConnection()
        // Lines from the thread that reads the API's stream, and a nil every `heartbeat`: a comment line then keeps
        // a proxy from closing a quiet stream (nginx gives up after 60 s), and finds out when the browser has gone
        // (the write fails), which nothing else says while the app writes nothing.
        let (events, sink) = AsyncStream<[UInt8]?>.makeStream()
        BlockingThread.start("dashboard-logs") {
            var pending: [UInt8] = []
            _ = try? client.stream("GET", path, headers: DokuendClient.headers, watch: connection) { bytes in
                pending += bytes
                while let newline = pending.firstIndex(of: 10) {
                    sink.yield(Array(pending[..<newline]))
                    pending.removeSubrange(...newline)
                }
            }
            sink.finish()
        }
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.heartbeat)
                sink.yield(nil)
            }
        }
        return Response(
            status: .ok,
            // X-Accel-Buffering: nginx in front (docs/DASHBOARD.md) passes each event on instead of buffering it.
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-store",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: ResponseBody { writer in
                defer {
                    heartbeat.cancel()
                    connection.end()
                }
                try await withTaskCancellationHandler {
                    try await writer.write(ByteBuffer(string: ": following\n\n"))
                    for await event in events {
                        guard let line = event else {
                            try await writer.write(ByteBuffer(string: ":\n\n"))
                            continue
                        }
                        var buffer = ByteBuffer(string: "data: ")
                        buffer.writeBytes(line.filter { $0 != 13 })
                        buffer.writeString("\n\n")
                        try await writer.write(buffer)
                    }
                    try await writer.finish(nil)
                } onCancel: {
                    connection.end()
                }
            })
    }

    /// How often a quiet log stream sends a comment line.
    static let heartbeat = Duration.seconds(10)
}

/// The connection to dokuend of one log stream, which `end()` shuts down from any thread (the browser left): the read
/// blocked on it returns, and the stream's thread ends. The lock keeps a shutdown away from an fd already closed.
final class StreamConnection: ConnectionWatch {
    private let state = Mutex<(fd: Int32?, ended: Bool)>((nil, false))

    func opened(_ fd: Int32) {
        state.withLock { state in
            if state.ended { UnixSocket.shutdown(fd) } else { state.fd = fd }
        }
    }

    func closing(_ fd: Int32) { state.withLock { $0.fd = nil } }

    func end() {
        state.withLock { state in
            state.ended = true
            if let fd = state.fd { UnixSocket.shutdown(fd) }
        }
    }
}
