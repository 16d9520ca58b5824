import DokuenBuild
import DokuenCore
import DokuenPosix

/// An app's bare repository, `apps/<app>/repo.git` (docs/DESIGN.md §3), for pushes when gitolite does not host it. Its
/// `pre-receive` hook is a stub that embeds the absolute paths of the `dokuen` binary and the root, so a push
/// deploys through `dokuen hook pre-receive` whatever the pusher's PATH.
struct GitRepository: Sendable {
    let layout: RootLayout
    /// The user pushes arrive as when dokuend is root: the repository is theirs.
    let owner: String?

    /// Creates the repository and its hook. Without git on this machine, there is nothing to push to: it says so
    /// in dokuend's log and the app works without it.
    func create(_ app: AppName) async throws {
        let candidates: [String] = ["/usr/bin/git", "/usr/local/bin/git", "/bin/git"]
        guard let git = candidates.first(where: { Posix.canExecute($0) }) else {
            DaemonLog.info(app, "no git on this machine, so no repository for pushes; deploy with dokuen deploy")
            return
        }
        let path = layout.app(app).repository
        try Posix.mkdir(layout.app(app).directory, existingOK: true)
        let initialize = try await StepRunner.run(
            BuildStep(
                label: "git init", executable: git,
                arguments: ["init", "--quiet", "--bare", "--initial-branch=main", path],
                environment: ["PATH": InstanceEnvironment.defaultPath, "HOME": layout.root, "LC_ALL": "C"],
                timeout: .seconds(30)),
            onLine: { _ in })
        guard initialize == .exited(0) else {
            throw DaemonError.repositoryFailed(app: app.rawValue, reason: "git init did not succeed (\(initialize))")
        }
        try AtomicFile.write(
            Array(Self.hook(app: app, layout: layout).utf8), to: path + "/hooks/pre-receive", mode: 0o755)
        if let owner, let entry = UserEntry.named(owner) {
            try Posix.chownTree(path, uid: entry.uid, gid: entry.gid)
        }
    }

    /// The hook stub. The binary and the root are dokuend's own paths, quoted for sh; the app name is validated.
    static func hook(app: AppName, layout: RootLayout) -> String {
        """
        #!/bin/sh
        # Written by dokuend: a push of the deploy branch of \(app) deploys it (dokuen hook pre-receive).
        exec \(Quoting.shell(Posix.executableDirectory() + "/dokuen")) hook pre-receive --root \(Quoting.shell(layout.root)) --app \(app)

        """
    }
}
