import DokuenCore
import DokuenPosix
import DokuenStore

#if canImport(Glibc)
    import Glibc
#endif

/// A deploy of a tarball holding a Procfile (DESIGN.md §2, deploy steps 1–6, before buildpacks exist): unpack into
/// a fresh build directory `releases/<stamp>/`, record the build, make release vN with the app's env and formation,
/// swap `current`/`previous`, and let the reconciler start the new instances beside the old ones.
public struct Deployer: Sendable {
    let layout: RootLayout
    let store: Store
    let supervisor: InstanceSupervisor

    public init(layout: RootLayout, store: Store, supervisor: InstanceSupervisor) {
        self.layout = layout
        self.store = store
        self.supervisor = supervisor
    }

    /// The outcome, with the `-----> ` step lines a user sees.
    public struct Outcome: Sendable {
        public let release: ReleaseID
        public let lines: [String]
    }

    public func deploy(_ app: AppName, tarball: [UInt8], actor: String) async throws -> Outcome {
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        let deploy = try await store.startDeploy(app: app, source: "tarball", actor: actor)
        do {
            let outcome = try await run(app, tarball: tarball, actor: actor)
            try await store.finishDeploy(deploy.id, outcome: .succeeded(release: outcome.release), actor: actor)
            return outcome
        } catch {
            try? await store.finishDeploy(deploy.id, outcome: .failed(error: "\(error)"), actor: actor)
            throw error
        }
    }

    private func run(_ app: AppName, tarball: [UInt8], actor: String) async throws -> Outcome {
        var lines: [String] = []
        let paths = layout.app(app)
        for directory in [paths.directory, paths.releases, paths.logs, paths.data, paths.cache] {
            try Posix.mkdir(directory, existingOK: true)
        }

        // 2. A fresh build directory, named by the time; never reused, never moved.
        var stamp = try BuildStamp(microsecondsSinceEpoch: Self.nowMicroseconds())
        while !(try Posix.mkdir(paths.build(stamp), mode: 0o755, existingOK: true)) { stamp = stamp.successor }
        let buildDirectory = paths.build(stamp)
        lines.append("-----> Unpacking into releases/\(stamp)")
        try unpack(tarball, into: buildDirectory)

        // 3. Before buildpacks: the Procfile is the build.
        guard let procfileBytes = try? Posix.readFile(buildDirectory + "/Procfile") else {
            throw DaemonError.deployFailed(app: app.rawValue, reason: "the pushed tree has no Procfile at its top")
        }
        let procfile = try Procfile.parse(procfileBytes)
        let processTypes = procfile.entries.filter { $0.type.rawValue != "release" }
        lines.append("-----> Procfile declares " + processTypes.map { $0.type.rawValue }.joined(separator: ", "))
        let build = try await store.createBuild(
            app: app, stamp: stamp, buildpack: "procfile", commit: nil,
            processes: Dictionary(uniqueKeysWithValues: processTypes.map { ($0.type, $0.command) }), actor: actor)

        // The formation: every type keeps its count, a new type gets one, a dropped type goes to 0.
        let previous = Dictionary(
            uniqueKeysWithValues: try await store.formation(app: app).map { ($0.type, $0.count) })
        var scales = processTypes.map { Formation.Scale(type: $0.type, count: previous[$0.type] ?? 1) }
        for (type, _) in previous where !processTypes.contains(where: { $0.type == type }) {
            scales.append(Formation.Scale(type: type, count: 0))
        }
        let formation = Formation(scales: scales)
        let env = try EnvDirectory(path: paths.env).dictionary()
        let release = try await store.createRelease(
            app: app, buildID: build.id, env: env, formation: formation, summary: "Deploy \(stamp)", actor: actor)
        if !scales.isEmpty { try await store.setFormation(app: app, formation, actor: actor) }

        // 6. current/previous point at builds; each swap is one rename(2).
        if let old = try? Posix.readlink(paths.current) { try swapLink(paths.previous, to: old) }
        try swapLink(paths.current, to: "releases/\(stamp)")

        try await supervisor.reconcile()
        let started = scales.filter { $0.count > 0 }.map { "\($0.type)×\($0.count)" }.joined(separator: " ")
        lines.append("-----> Release \(release) is starting: \(started.isEmpty ? "no processes" : started)")
        // 5–7: new instances start beside the old; the reconciler stops the old ones once the new run.
        try await supervisor.waitForCutover(app: app, release: release, deadline: 60_000)
        lines.append("-----> Release \(release) is up")
        return Outcome(release: release, lines: lines)
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

    private func swapLink(_ path: String, to target: String) throws {
        let temporary = path + ".new"
        if try Posix.lstat(temporary) != nil { try Posix.unlink(temporary) }
        try Posix.symlink(target: target, at: temporary)
        try Posix.rename(temporary, path)
    }

    static func nowMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
    }
}
