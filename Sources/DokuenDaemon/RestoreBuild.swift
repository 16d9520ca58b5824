import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore

/// The last step of a restore for one app: its current release's build, either from the snapshot (`--with-builds`)
/// or rebuilt from the restored repository at the release's commit into the same `releases/STAMP/` (so the release
/// record, its number and its build stay as they were: no new release), then its instances, awaited until they
/// serve, and its routes.
///
/// A rebuild runs buildpacks as a deploy does (as the app's user, with its config), but not the Procfile's `release:`
/// command nor app.json's scripts: they ran when the release was made, and the data they changed came back with the
/// snapshot.
struct RestoreBuild: Sendable {
    let restorer: Restorer
    var layout: RootLayout { restorer.layout }

    func start(_ app: RestorePlan.App, progress: @escaping Progress) async throws -> RestoredApp {
        guard let release = app.release, let build = app.build else {
            progress(BuildLog.header("\(app.name) has no release yet: nothing to start"))
            return RestoredApp(name: app.name.rawValue, release: nil, url: nil)
        }
        let paths = layout.app(app.name)
        let directory = paths.build(build.stamp)
        if Posix.isDirectory(directory) {
            progress(
                BuildLog.header("\(app.name) \(release): its build releases/\(build.stamp) came with the snapshot"))
        } else {
            try await rebuild(app.name, build: build, release: release, progress: progress)
        }
        let target = "releases/\(build.stamp)"
        let temporary = paths.current + ".new"
        if try Posix.lstat(temporary) != nil { try Posix.unlink(temporary) }
        try Posix.symlink(target: target, at: temporary)
        try Posix.rename(temporary, paths.current)
        progress(BuildLog.header("Starting \(app.name) \(release)"))
        await restorer.supervisor.withdraw(app: app.name)
        _ = try await restorer.supervisor.reconcile()
        try await restorer.supervisor.waitUntilReady(
            app: app.name, release: release, deadline: restorer.settings.bootTimeoutSeconds * 1000)
        try await restorer.routing?.update(app.name)
        // As after a deploy: cron reads the jobs of the app's current build.
        await restorer.supervisor.releaseChanged(app.name)
        let url = await url(of: app.name, isStatic: build.staticRoot != nil)
        progress(BuildLog.header("\(app.name) \(release) is up" + (url.map { ": \($0)" } ?? "")))
        return RestoredApp(name: app.name.rawValue, release: release.description, url: url)
    }

    /// Where the app answers: its nginx name when routing is on, else its first web instance's port.
    private func url(of app: AppName, isStatic: Bool) async -> String? {
        if let routing = restorer.routing, let url = await routing.url(of: app) { return url }
        let ports = ((try? await restorer.supervisor.statuses()) ?? []).filter {
            $0.app == app.rawValue && $0.type == "web" && $0.state == "RUNNING"
        }.compactMap(\.port).sorted()
        return ports.first.map { "http://127.0.0.1:\($0)/" }
    }

    /// `git archive` of the release's commit from the restored repository, unpacked into the build's own directory and
    /// built with buildpacks as the app's user, then frozen.
    private func rebuild(_ app: AppName, build: BuildRecord, release: ReleaseID, progress: @escaping Progress)
        async throws
    {
        guard let commit = build.commit else {
            throw DaemonError.deployFailed(
                app: app.rawValue,
                reason: "\(release) was deployed from a directory, not a commit, and the snapshot has no build of it: "
                    + "deploy it again (dokuen deploy \(app) DIR)")
        }
        progress(BuildLog.header("Rebuilding \(app) \(release) from commit \(commit.prefix(12))"))
        let accounts = restorer.accounts
        let paths = layout.app(app)
        let credentials = try await accounts.credentials(app)
        try accounts.secure(app, credentials)
        let directory = paths.build(build.stamp)
        let archive = directory + ".tar"
        let environment = ["PATH": InstanceEnvironment.defaultPath, "HOME": layout.root, "LC_ALL": "C"]
        let collector = LineCollector(keepingLast: 20)
        let archived = try await StepRunner.run(
            BuildStep(
                label: "git archive", executable: "/usr/bin/git",
                arguments: [
                    "-c", "safe.directory=*", "--git-dir", paths.repository, "archive", "--format=tar",
                    "--output=" + archive, commit,
                ], environment: environment, timeout: .seconds(600)), onLine: collector.add)
        guard archived == .exited(0) else {
            try? Posix.unlink(archive)
            throw DaemonError.deployFailed(
                app: app.rawValue,
                reason: "unable to read commit \(commit) from its restored repository: "
                    + collector.lines.joined(separator: " "))
        }
        defer { try? Posix.unlink(archive) }
        try Posix.mkdir(directory, mode: 0o755)
        do {
            let unpacked = try await StepRunner.run(
                BuildStep(
                    label: "tar", executable: "/bin/tar",
                    arguments: ["-x", "-f", archive, "-C", directory, "--no-same-owner", "--no-same-permissions"],
                    environment: environment, timeout: .seconds(600)), onLine: collector.add)
            guard unpacked == .exited(0) else {
                throw DaemonError.deployFailed(app: app.rawValue, reason: "unable to unpack commit \(commit)")
            }
            if let credentials { try Posix.chownTree(directory, uid: credentials.uid, gid: credentials.gid) }
            let env = try EnvDirectory(path: paths.env).dictionary()
            let envDirectory = paths.directory + "/.build-env"
            try Posix.removeTree(envDirectory)
            try Posix.mkdir(envDirectory, mode: 0o700)
            defer { try? Posix.removeTree(envDirectory) }
            for (key, value) in env {
                try AtomicFile.write(
                    try EnvDir.encode(value, for: key), to: envDirectory + "/" + key.rawValue, mode: 0o600)
            }
            if let credentials { try Posix.chownTree(envDirectory, uid: credentials.uid, gid: credentials.gid) }
            let settings = restorer.settings
            let builder = Builder(
                catalog: BuildpackCatalog(
                    builtInDirectory: settings.builtinBuildpacks.isEmpty ? nil : settings.builtinBuildpacks,
                    installedDirectory: layout.buildpacksDirectory),
                settings: BuildSettings(
                    user: credentials, userName: credentials.map { _ in AppUser(app).name },
                    compileTimeout: .seconds(settings.buildTimeoutSeconds),
                    runtimesDirectory: layout.runtimesDirectory))
            _ = try await builder.build(
                buildDirectory: directory, cacheDirectory: paths.cache, envDirectory: envDirectory,
                appEnvironment: env, appBuildpack: try await restorer.store.appBuildpack(app), sourceVersion: commit,
                progress: progress)
            try accounts.freeze(directory, credentials)
            if build.staticRoot != nil { try accounts.publish(app, credentials) }
        } catch {
            try? Posix.removeTree(directory)
            throw error
        }
    }
}
