import DokuenCore
import DokuenPosix
import DokuenStore

#if canImport(Glibc)
    import Glibc
#endif

/// A deploy of a tarball holding a Procfile (DESIGN.md §2, deploy steps 1–7, before buildpacks exist): unpack into
/// a fresh build directory `releases/<stamp>/`, record the build, then cut over to a release of it with the app's
/// env (`Cutover`). Deploys of an app are serialized by the store's deploy lock. A failure leaves what was serving
/// untouched, removes the build it made, and records the deploy as failed; it is not a release.
public struct Deployer: Sendable {
    let layout: RootLayout
    let store: Store
    let cutover: Cutover
    let settings: DaemonSettings

    public init(layout: RootLayout, store: Store, cutover: Cutover, settings: DaemonSettings) {
        self.layout = layout
        self.store = store
        self.cutover = cutover
        self.settings = settings
    }

    /// Deploys `tarball` (of `commit`, when it comes from git) to `app`, reporting each `-----> ` step to
    /// `progress` as it happens. While another deploy of the app runs, it waits its turn and says so.
    public func deploy(
        _ app: AppName, tarball: [UInt8], commit: String? = nil, push: PushGuard? = nil, actor: String,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> ReleaseID {
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        let source = commit.map { "git push \($0.prefix(7))" } ?? "tarball"
        let deploy = try await startDeploy(app, source: source, actor: actor, progress: progress)
        let clock = ContinuousClock()
        let began = clock.now
        var build: BuildRecord?
        do {
            try push?.check(app: app)
            build = try await self.build(app, tarball: tarball, commit: commit, actor: actor, progress: progress)
            let release = try await cutover.run(
                app, build: build!, env: try EnvDirectory(path: layout.app(app).env).dictionary(),
                formation: try await formation(app, of: build!), summary: "Deploy \(build!.stamp)", actor: actor,
                progress: progress)
            try await store.finishDeploy(deploy.id, outcome: .succeeded(release: release), actor: actor)
            progress("Release \(release) is up (\(Self.seconds(since: began, clock)))")
            return release
        } catch {
            if let build { await discard(build, actor: actor) }
            // A cutover's own error names the release; the deploy's names the app too.
            let reported =
                if case DaemonError.notUp = error {
                    DaemonError.deployFailed(app: app.rawValue, reason: "\(error)") as any Error
                } else { error }
            try? await store.finishDeploy(deploy.id, outcome: .failed(error: "\(reported)"), actor: actor)
            throw reported
        }
    }

    /// Steps 1–3: unpack into a fresh build directory and record the build. Before buildpacks, the Procfile is
    /// the build.
    /// Takes the app's deploy lock, waiting (up to an hour) while another deploy holds it.
    private func startDeploy(
        _ app: AppName, source: String, actor: String, progress: @Sendable (String) -> Void
    ) async throws -> DeployRecord {
        var said = false
        for _ in 0..<7200 {
            do {
                return try await store.startDeploy(app: app, source: source, actor: actor)
            } catch StoreError.deployInProgress(_, let id) {
                if !said { progress("Waiting for deploy \(id) of \(app) to finish first") }
                said = true
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        return try await store.startDeploy(app: app, source: source, actor: actor)
    }

    private func build(
        _ app: AppName, tarball: [UInt8], commit: String?, actor: String, progress: @Sendable (String) -> Void
    ) async throws -> BuildRecord {
        let paths = layout.app(app)
        for directory in [paths.directory, paths.releases, paths.logs, paths.data, paths.cache] {
            try Posix.mkdir(directory, existingOK: true)
        }
        // A fresh build directory, named by the time; never reused, never moved.
        var stamp = try BuildStamp(microsecondsSinceEpoch: Self.nowMicroseconds())
        while !(try Posix.mkdir(paths.build(stamp), mode: 0o755, existingOK: true)) { stamp = stamp.successor }
        let buildDirectory = paths.build(stamp)
        progress("Unpacking \(tarball.count) bytes into releases/\(stamp)")
        do {
            try unpack(tarball, into: buildDirectory)
            guard let procfileBytes = try? Posix.readFile(buildDirectory + "/Procfile") else {
                throw DaemonError.deployFailed(app: app.rawValue, reason: "the pushed tree has no Procfile at its top")
            }
            let processTypes = try Procfile.parse(procfileBytes).entries.filter { $0.type.rawValue != "release" }
            progress("Procfile declares " + processTypes.map { $0.type.rawValue }.joined(separator: ", "))
            return try await store.createBuild(
                app: app, stamp: stamp, buildpack: "procfile", commit: commit,
                processes: Dictionary(uniqueKeysWithValues: processTypes.map { ($0.type, $0.command) }), actor: actor)
        } catch {
            try? Posix.removeTree(buildDirectory)
            throw error
        }
    }

    /// The formation of a new build: every type keeps its count, a new type gets one, a dropped type goes to 0.
    private func formation(_ app: AppName, of build: BuildRecord) async throws -> Formation {
        let previous = Dictionary(
            uniqueKeysWithValues: try await store.formation(app: app).map { ($0.type, $0.count) })
        var scales = build.processes.keys.sorted().map { Formation.Scale(type: $0, count: previous[$0] ?? 1) }
        for (type, _) in previous where build.processes[type] == nil {
            scales.append(Formation.Scale(type: type, count: 0))
        }
        return Formation(scales: scales)
    }

    /// A failed deploy's build is no release's: its record and directory go.
    private func discard(_ build: BuildRecord, actor: String) async {
        do {
            try await store.deleteBuild(app: build.app, id: build.id, actor: actor)
            try Posix.removeTree(layout.app(build.app).build(build.stamp))
        } catch {
            log(
                "dokuend: \(build.app): unable to remove the build releases/\(build.stamp) of a failed deploy: \(error)"
            )
        }
    }

    static func seconds(since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> String {
        let elapsed = clock.now - start
        let tenths = elapsed.components.seconds * 10 + elapsed.components.attoseconds / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// Unpacks with GNU tar, which refuses absolute names and `..`; owners and modes are not taken from the archive.
    private func unpack(_ tarball: [UInt8], into directory: String) throws {
        let archive = directory + ".tar"
        try AtomicFile.write(tarball, to: archive, mode: 0o600)
        defer { try? Posix.unlink(archive) }
        let null = try Posix.open("/dev/null", O_RDWR)
        let errors = try Posix.open(archive + ".err", O_WRONLY | O_CREAT | O_TRUNC)
        defer {
            Posix.close(null)
            Posix.close(errors)
            try? Posix.unlink(archive + ".err")
        }
        let tar = try ChildProcess.spawn(
            "/bin/tar", arguments: ["-x", "-f", archive, "-C", directory, "--no-same-owner", "--no-same-permissions"],
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"], stdin: null, stdout: null, stderr: errors)
        guard let status = try tar.wait(milliseconds: 120_000) else {
            _ = try? tar.signalGroup(SIGKILL)
            _ = try? tar.wait()
            throw DaemonError.deployFailed(app: directory, reason: "unpacking took more than 120 s")
        }
        guard status == .exited(0) else {
            let message = String(decoding: (try? Posix.readFile(archive + ".err")) ?? [], as: UTF8.self)
            throw DaemonError.deployFailed(
                app: directory, reason: "the tarball could not be unpacked: \(message)")
        }
    }

    static func nowMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
    }
}
