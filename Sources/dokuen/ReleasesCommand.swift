import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen releases APP`: the releases dokuend keeps, newest first.
struct ReleasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "releases", abstract: "List an app's releases, newest first.",
        discussion: """
            Each line: version, time (UTC), commit, buildpack, who made it, what it was, and (current). A deploy, \
            a config change, a `ps set` and a rollback each make a release; a failed deploy makes none (see \
            dokuen events APP). Older releases are forgotten beyond dokuend's --keep-releases.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The app.") var app: String

    func validate() throws { try validateApp(app) }

    func run() async throws {
        let releases = try DaemonClient(options).call("GET", "/v1/apps/\(app)/releases", as: [ReleaseEntry].self)
        if options.json { return try printJSON(releases) }
        if releases.isEmpty { return print("\(app) has no release yet; deploy it with: dokuen deploy \(app) DIR") }
        for release in releases {
            let fields = [
                release.version, UTCTime.text(release.createdAt), release.commit.map { String($0.prefix(7)) } ?? "-",
                release.buildpack ?? "-", release.createdBy, release.description,
            ]
            print(fields.joined(separator: "  ") + (release.current ? "  (current)" : ""))
        }
    }
}

/// `dokuen rollback APP [vN]`: a new release of vN's build and env, with no rebuild.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Serve an earlier release's code and config again, with no rebuild.",
        discussion: """
            Makes a new release from vN's build and env snapshot (default: the release before the current one) \
            and cuts over to it like a deploy: new instances are ready before old ones stop. The app's config \
            becomes vN's. Example: dokuen rollback blog v2

            During a deploy: waits for it to finish first (and says so on stderr); without vN, "the release \
            before" is then the one before what that deploy released.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The app.") var app: String
    @Argument(help: "The release to go back to, e.g. v2.") var release: String?

    func validate() throws {
        try validateApp(app)
        if let release {
            do { _ = try ReleaseID(release) } catch { throw ValidationError(error.description) }
        }
    }

    func run() async throws {
        let client = try DaemonClient(options)
        DeployNotice.sayIfWaiting(app: app, client: client)
        let result = try client.call(
            "POST", "/v1/apps/\(app)/rollback", body: RollbackRequest(release: release), as: RollbackResult.self)
        if options.json { return try printJSON(result) }
        print("Rolled back \(app) to \(result.from): release \(result.release) is up")
    }
}
