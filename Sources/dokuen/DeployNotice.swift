import DokuenAPI
import DokuenPosix

/// The verbs that make a release (`config set`, `rollback`, `ps set`) wait behind a deploy of the app in progress
/// (docs/DESIGN.md §2, "Verbs during a deploy"). Their answer comes only once the release is up, so before asking,
/// the CLI says on stderr what the answer will wait for: `Waiting for deploy 12 of blog (git push 1a2b3c4) to finish
/// first`. A deploy that ends meanwhile only shortens the wait. A failure to learn it says nothing: the request that
/// follows reports the real error.
enum DeployNotice {
    static func sayIfWaiting(app: String, client: DaemonClient) {
        guard let deploys = try? client.call("GET", "/v1/apps/\(app)/deploys", as: [DeployOutcome].self),
            let running = deploys.last(where: { $0.state == "running" })
        else { return }
        try? Posix.writeAll(2, Array((line(running) + "\n").utf8))
    }

    /// What the wait is for, in one line.
    static func line(_ deploy: DeployOutcome) -> String {
        "Waiting for deploy \(deploy.id) of \(deploy.app)" + (deploy.source.map { " (\($0))" } ?? "")
            + " to finish first"
    }
}
