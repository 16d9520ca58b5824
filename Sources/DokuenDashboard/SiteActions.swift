import DokuenAPI
import DokuenCore
import Hummingbird

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The actions: each a POST behind a session, the origin check and the CSRF token (`Site.action`), each one call of
/// dokuend's API as `dokuen` would make it. The page's script sends them with `fetch` and shows the answer's line;
/// a form sent without script gets a short page with the same line.
extension Site {
    func addActions(to router: Router<DashboardContext>) {
        for verb in ["restart", "stop", "start"] {
            router.post("apps/:app/\(verb)") { request, context in
                try await action(request, context) { _, fields in
                    let name = try Self.appName(context)
                    let target = try Self.target(name, fields["target"])
                    return try await perform(request, back: "/apps/\(name)") {
                        switch verb {
                        case "restart":
                            _ = try await api.raw(
                                "POST", "/v1/control", body: ControlRequest(targets: [target.description], command: "r")
                            )
                            return ActionAnswer(message: "Restarting \(target).")
                        default:
                            var query = ""
                            if case .type(_, let type) = target { query = "?type=\(type)" }
                            if case .slot(_, let type, let index) = target { query = "?type=\(type)&index=\(index)" }
                            _ = try await api.raw("POST", "/v1/apps/\(name)/\(verb)\(query)")
                            return ActionAnswer(message: verb == "stop" ? "Stopping \(target)." : "Starting \(target).")
                        }
                    }
                }
            }
        }
        router.post("apps/:app/scale") { request, context in
            try await action(request, context) { _, fields in
                let name = try Self.appName(context)
                let text = fields["formation"] ?? ""
                do { _ = try Formation.parse(text.split(separator: " ").map(String.init)) } catch {
                    return refuse(request, .badRequest, "\(error)")
                }
                return try await perform(request, back: "/apps/\(name)") {
                    _ = try await api.raw("POST", "/v1/apps/\(name)/formation", body: ScaleRequest(formation: text))
                    return ActionAnswer(message: "Scaled \(name) to \(text).", reload: true)
                }
            }
        }
        router.post("apps/:app/rollback") { request, context in
            try await action(request, context) { _, fields in
                let name = try Self.appName(context)
                let release: String?
                do { release = try fields["release"].map { try ReleaseID($0).description } } catch {
                    return refuse(request, .badRequest, "\(error)")
                }
                return try await perform(request, back: "/apps/\(name)") {
                    let result = try await api.call(
                        "POST", "/v1/apps/\(name)/rollback", body: RollbackRequest(release: release),
                        as: RollbackResult.self)
                    return ActionAnswer(
                        message:
                            "Rolled \(name) back: \(result.release) (the build of \(release ?? "the previous release")) serves, after \(result.from).",
                        reload: true)
                }
            }
        }
        router.post("apps/:app/maintenance") { request, context in
            try await action(request, context) { _, fields in
                let name = try Self.appName(context)
                let on = fields["on"] == "1"
                return try await perform(request, back: "/apps/\(name)") {
                    let info = try await api.call(
                        "POST", "/v1/apps/\(name)/maintenance", body: MaintenanceRequest(on: on),
                        as: MaintenanceInfo.self)
                    return ActionAnswer(
                        message: info.on ? "\(name) is in maintenance." : "\(name) is out of maintenance.", reload: true
                    )
                }
            }
        }
        router.post("apps/:app/cron/:id/run") { request, context in
            try await action(request, context) { _, _ in
                let name = try Self.appName(context)
                let id = context.parameters.get("id") ?? ""
                guard id.utf8.count == 8, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
                else { return refuse(request, .badRequest, "invalid cron job id: it is 8 hex digits") }
                return try await perform(request, back: "/apps/\(name)") {
                    let bytes = try await api.raw("POST", "/v1/apps/\(name)/cron/\(id)/run")
                    return ActionAnswer(message: Self.runOutcome(bytes, job: id), reload: true)
                }
            }
        }
        // Config values are in no page until this POST asks for them (with the CSRF token, so another site cannot).
        router.post("apps/:app/config/reveal") { request, context in
            try await action(request, context) { session, _ in
                let name = try Self.appName(context)
                let config = try await api.call("GET", "/v1/apps/\(name)/config", as: [String: String].self)
                return DashboardServer.html(
                    renderer.render("config", PageModels.config(app: name.rawValue, values: config, csrf: session.csrf))
                )
            }
        }
    }

    /// `APP`, or `APP:TYPE.N` / `APP:TYPE` from the form's `target` (`web.1`, `web`).
    static func target(_ app: AppName, _ text: String?) throws -> Target {
        guard let text, !text.isEmpty else { return .app(app) }
        do { return try Target("\(app):\(text)") } catch { throw HTTPError(.badRequest, message: error.description) }
    }

    /// Runs an action's API call; answers its line as JSON for the script, or as a page, and dokuend's refusal the
    /// same way with its status.
    func perform(_ request: Request, back: String, _ body: () async throws -> ActionAnswer) async throws
        -> Response
    {
        let answer: ActionAnswer
        do { answer = try await body() } catch let error as DashboardError {
            return refuse(request, Self.status(error), error.description)
        }
        if Self.wantsJSON(request) { return DashboardServer.json(answer) }
        return DashboardServer.html(
            renderer.render("message", ["heading": "Done", "kind": "done", "text": answer.message, "back": back]))
    }

    /// A cron run's NDJSON answer in one line: how it ended.
    static func runOutcome(_ bytes: [UInt8], job: String) -> String {
        var outcome = "job \(job) ran"
        for line in bytes.split(separator: 10) {
            guard let event = try? JSONDecoder().decode(RunEvent.self, from: Data(line)) else { continue }
            if let exit = event.exit { outcome = "job \(job) exited with code \(exit)" }
            if let signal = event.signal { outcome = "job \(job) was killed by signal \(signal)" }
            if let error = event.error { outcome = "job \(job): \(error)" }
        }
        return outcome + "."
    }
}
