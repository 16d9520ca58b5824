import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenStore

/// A deploy of a tarball holding a Procfile (docs/DESIGN.md §2, deploy steps 1–7, before buildpacks exist): unpack into
/// a fresh build directory `releases/<stamp>/`, record the build, then cut over to a release of it with the app's
/// env (`Cutover`). Deploys of an app are serialized by the store's deploy lock. A failure leaves what was serving
/// untouched, removes the build it made, and records the deploy as failed; it is not a release.
public struct Deployer: Sendable {
    let layout: RootLayout
    let store: Store
    let cutover: Cutover
    let settings: DaemonSettings
    var accounts: AppAccounts { cutover.supervisor.accounts }

    public init(layout: RootLayout, store: Store, cutover: Cutover, settings: DaemonSettings) {
        self.layout = layout
        self.store = store
        self.cutover = cutover
        self.settings = settings
    }

    /// Deploys `tarball` (of `commit`, when it comes from git) to `app`, reporting every output line to `progress`
    /// as it happens (`-----> ` step headers, indented build output). While another deploy of the app runs, it
    /// waits its turn and says so.
    public func deploy(
        _ app: AppName, tarball: [UInt8], commit: String? = nil, push: PushGuard? = nil, actor: String,
        started: @Sendable (Int64) -> Void = { _ in }, progress: @escaping @Sendable (String) -> Void
    ) async throws -> ReleaseID {
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        let source = commit.map { "git push \($0.prefix(7))" } ?? "tarball"
        // A step is a header; what a step quotes (an instance's log) comes indented and stays so.
        let step: @Sendable (String) -> Void = {
            progress($0.hasPrefix(BuildLog.indentation) ? $0 : BuildLog.header($0))
        }
        let (deploy, waitedFor, output) = try await cutover.queue.start(
            app, source: source, actor: actor, progress: step)
        started(deploy.id)
        // From here every line is kept in the deploy's output file too.
        let kept = output.keeping(progress)
        let keptStep: @Sendable (String) -> Void = {
            kept($0.hasPrefix(BuildLog.indentation) ? $0 : BuildLog.header($0))
        }
        let clock = ContinuousClock()
        let began = clock.now
        do {
            if let push { try await check(push, app: app, waitedFor: waitedFor) }
            let release = try await cutover.run(
                app, deploy: deploy.id,
                source: .make {
                    let (build, manifest) = try await self.build(
                        app, deploy: deploy.id, tarball: tarball, commit: commit, actor: actor, line: kept)
                    let (formation, follows) = try await formation(
                        app, of: build, manifest: manifest, progress: kept)
                    return CutoverInput(
                        build: build, env: try EnvDirectory(path: layout.app(app).env).dictionary(),
                        formation: formation, summary: "Deploy \(build.stamp)", followsStored: follows)
                }, actor: actor, progress: keptStep)
            // app.json's post-deploy scripts, under the deploy lock: a failure is reported, never rolled back.
            await postdeploy(app, release: release, actor: actor, line: kept)
            try await cutover.queue.finish(deploy.id, app: app, outcome: .succeeded(release: release), actor: actor)
            let stopped = try await store.formation(app: app).filter { $0.count > 0 && $0.runningCount < $0.count }
            if try await store.app(named: app)?.stopped == true {
                keptStep("Release \(release) is released, but \(app) is stopped: none of it runs (dokuen start \(app))")
            } else if !stopped.isEmpty {
                let what = stopped.map { "\($0.type) \($0.runningCount)/\($0.count)" }.joined(separator: ", ")
                keptStep(
                    "Release \(release) is up (\(Self.seconds(since: began, clock))), with stopped instances: \(what)")
            } else {
                keptStep("Release \(release) is up (\(Self.seconds(since: began, clock)))")
            }
            var isStatic = false
            if let latest = try? await store.latestRelease(app: app) {
                isStatic = (try? await store.build(app: app, id: latest.buildID))?.staticRoot != nil
            }
            if let url = try? await url(of: app, isStatic: isStatic) { keptStep(url) }
            return release
        } catch {
            // A cutover's own error names the release; the deploy's names the app too.
            let reported =
                if case DaemonError.notUp = error {
                    DaemonError.deployFailed(app: app.rawValue, reason: "\(error)") as any Error
                } else { error }
            _ = try? await cutover.queue.finish(
                deploy.id, app: app, outcome: .failed(error: "\(reported)"), actor: actor)
            throw reported
        }
    }

    /// A push deploys only if its branch did not move while it waited (`PushGuard`). A push it waited behind moves
    /// the branch only once its hook returns, after its deploy finished and woke this one: a push deploy that
    /// succeeded meanwhile with another commit moved it too.
    private func check(_ push: PushGuard, app: AppName, waitedFor: [Int64]) async throws {
        for id in waitedFor.reversed() {
            let holder = try await store.deploy(id)
            let prefix = "git push "
            guard holder.state == .succeeded, holder.source.hasPrefix(prefix) else { continue }
            let commit = holder.source.dropFirst(prefix.count)
            guard !push.old.hasPrefix(commit) else { break }
            throw DaemonError.deployFailed(
                app: app.rawValue,
                reason: "\(push.ref.dropFirst("refs/heads/".count)) moved to \(commit) while this push waited; "
                    + "fetch, merge and push again")
        }
        try await push.check(app: app)
    }

    /// Where the app answers now: its web instances' ports, and its nginx name when routing is on (nginx serves
    /// it once the user's `http {}` includes `<root>/nginx/*.conf`; a static build only there); nil when it has no
    /// web process.
    private func url(of app: AppName, isStatic: Bool) async throws -> String? {
        let ports = try await cutover.supervisor.statuses().filter {
            $0.app == app.rawValue && $0.type == "web" && $0.state == "RUNNING"
        }.compactMap(\.port).sorted()
        if isStatic, let url = await cutover.routing?.url(of: app) { return "\(url) (nginx)" }
        guard !ports.isEmpty else { return nil }
        let direct = ports.map { "http://127.0.0.1:\($0)/" }.joined(separator: " ")
        guard let routing = cutover.routing, let url = await routing.url(of: app) else { return direct }
        return "\(url) (nginx), \(direct) (direct)"
    }

    /// Steps 1–4: unpack into a fresh build directory, build it with buildpacks as the app's user, run the
    /// Procfile's `release:` command, and record the build. `line` gets every output line as the user sees it.
    private func build(
        _ app: AppName, deploy: Int64, tarball: [UInt8], commit: String?, actor: String,
        line report: @escaping @Sendable (String) -> Void
    ) async throws -> (BuildRecord, AppManifest) {
        let line: @Sendable (String) -> Void = { text in
            // A test's fault hook kills dokuend while a build process runs: its output (compile's, the release
            // command's) is indented.
            if text.hasPrefix(BuildLog.indentation) { FaultHook.reached(.building) }
            report(text)
        }
        let paths = layout.app(app)
        let credentials = try await accounts.credentials(app)
        try accounts.secure(app, credentials)
        // A fresh build directory, named by the time; never reused, never moved.
        var stamp = try BuildStamp(microsecondsSinceEpoch: Self.nowMicroseconds())
        while !(try Posix.mkdir(paths.build(stamp), mode: 0o755, existingOK: true)) { stamp = stamp.successor }
        let buildDirectory = paths.build(stamp)
        // On record before the first file is unpacked: a restart finds what is left of the build from it.
        try await store.recordPhase(deploy, CutoverPhase.building.rawValue, buildStamp: stamp)
        line(BuildLog.header("Unpacking \(tarball.count) bytes into releases/\(stamp)"))
        do {
            try unpack(tarball, into: buildDirectory)
            // Builds run as the app's user (docs/DESIGN.md invariant 7): the build is theirs until compile ends (its
            // cache always is; `AppAccounts.secure`).
            if let credentials {
                try Posix.chownTree(buildDirectory, uid: credentials.uid, gid: credentials.gid)
            }
            // app.json is read before the build: its `env` may fail the deploy, or fill the config the build sees.
            // Everything else of it is read again from the frozen build below, as the instances will read it.
            try await applyEnv(
                of: try AppManifest.load(buildDirectory: buildDirectory), app: app, actor: actor, line: line)
            let env = try EnvDirectory(path: paths.env).dictionary()
            let envDirectory = try buildEnvDirectory(app, env: env, credentials: credentials)
            defer { try? Posix.removeTree(envDirectory) }
            let builder = Builder(
                catalog: BuildpackCatalog(
                    builtInDirectory: settings.builtinBuildpacks.isEmpty ? nil : settings.builtinBuildpacks,
                    installedDirectory: layout.buildpacksDirectory),
                settings: BuildSettings(
                    user: credentials, userName: credentials.map { _ in AppUser(app).name },
                    compileTimeout: .seconds(settings.buildTimeoutSeconds),
                    runtimesDirectory: layout.runtimesDirectory))
            let result = try await builder.build(
                buildDirectory: buildDirectory, cacheDirectory: paths.cache, envDirectory: envDirectory,
                appEnvironment: env, appBuildpack: try await store.appBuildpack(app), sourceVersion: commit,
                progress: line)
            // Compile is over: the build is frozen, root's and read-only to the app, before anything reads it.
            try accounts.freeze(buildDirectory, credentials)
            let procfileBytes: [UInt8]?
            do {
                procfileBytes = try Posix.readUserFile(buildDirectory + "/Procfile", limit: 1 << 20)
            } catch {
                let why =
                    switch error.code {
                    case .loop: "it is a symlink; it must be a plain file"
                    case .invalid: "it is not a plain file"
                    case .fileTooLarge: "it is larger than 1 MiB"
                    default: "\(error)"
                    }
                throw DaemonError.deployFailed(app: app.rawValue, reason: "the Procfile cannot be used: \(why)")
            }
            let procfile = try procfileBytes.map { try Procfile.parse($0) }
            var processes = result.release.processTypes(procfile: procfile)
            let releasePhase = processes.removeValue(forKey: Self.releaseType)
            let staticRoot = try processes.removeValue(forKey: Self.staticType).map {
                try staticDirectory($0, app: app, buildDirectory: buildDirectory, processes: processes, line: line)
            }
            if staticRoot != nil { try accounts.publish(app, credentials) }
            if let staticRoot, await cutover.routing?.isOn != true {
                // Without nginx an app is reached on its port: a small file server stands in.
                line(BuildLog.indent("routing is off (no nginx), so a web process serves them on its $PORT"))
                processes[try ProcessType("web")] =
                    "exec python3 -m http.server $PORT --bind 127.0.0.1 --directory \(staticRoot.rawValue)"
            }
            guard !processes.isEmpty || staticRoot != nil else {
                let reason =
                    if let procfile, procfile.entries.isEmpty {
                        "nothing to run: the Procfile defines no process type (it is empty or only comments); "
                            + "add a line such as 'web: COMMAND', or remove it to use the buildpack's defaults"
                    } else if procfile != nil {
                        "nothing to run: the Procfile defines only a release command"
                    } else { "nothing to run: there is no Procfile and the buildpack suggests no process type" }
                throw DaemonError.deployFailed(app: app.rawValue, reason: reason)
            }
            if !processes.isEmpty {
                line(
                    BuildLog.header("Process types: " + processes.keys.sorted().map(\.rawValue).joined(separator: ", "))
                )
            }
            let manifest = try AppManifest.load(buildDirectory: buildDirectory)
            for check in manifest.checks {
                line(BuildLog.header("app.json: health check GET \(check.path) → \(check.status)"))
            }
            for check in manifest.liveness { line(BuildLog.header("app.json: " + check.summary)) }
            for (type, settings) in manifest.settings.sorted(by: { $0.key < $1.key })
            where !settings.explicitKeys.isEmpty {
                let values = settings.explicitKeys.sorted().map { "\($0)=\(settings.value($0))" }
                line(BuildLog.header("app.json: \(type) settings \(values.joined(separator: " ")) (ps set wins)"))
            }
            for note in manifest.notes { line(BuildLog.indent("app.json: " + note)) }
            // Cron (docs/CRON.md): a schedule that cannot parse fails the deploy here, before any release.
            let cron = try CronManifest.load(buildDirectory: buildDirectory)
            for job in cron.jobs {
                line(
                    BuildLog.header(
                        "app.json: cron \(job.id) \(job.schedule): \(Quoting.printable(job.command, limit: 100))"))
            }
            for note in cron.notes { line(BuildLog.indent("app.json: " + note)) }
            let build = try await store.createBuild(
                app: app, stamp: stamp, buildpack: result.buildpacks.joined(separator: ","), commit: commit,
                processes: processes, configVars: result.release.configVars, staticRoot: staticRoot, actor: actor)
            do {
                if let predeploy = manifest.predeploy {
                    try await runPredeploy(
                        predeploy, app: app, build: build, env: env, credentials: credentials, line: line)
                }
                if let releasePhase {
                    try await runReleasePhase(
                        releasePhase, app: app, build: build, env: env, credentials: credentials, line: line)
                }
            } catch {
                try? await store.deleteBuild(app: app, id: build.id, actor: actor)
                throw error
            }
            return (build, manifest)
        } catch {
            try? Posix.removeTree(buildDirectory)
            throw error
        }
    }

    private static let releaseType = try! ProcessType("release")
    private static let staticType = try! ProcessType("static")

    /// A Procfile's `static: DIR` (as in Piku): a directory of the build that nginx serves with no process. It
    /// must be a real directory inside the build (no symlink out of it), and the app has no `web` beside it:
    /// nginx serves one or the other.
    private func staticDirectory(
        _ text: String, app: AppName, buildDirectory: String, processes: [ProcessType: String],
        line: @Sendable (String) -> Void
    ) throws -> StaticRoot {
        let root = try StaticRoot(text)
        func refuse(_ reason: String) -> DaemonError {
            .deployFailed(app: app.rawValue, reason: "static: \(root): \(reason)")
        }
        guard processes[try ProcessType("web")] == nil else {
            throw refuse("an app with static: has no web: process; nginx serves the files itself")
        }
        let directory = root.directory(in: buildDirectory)
        guard let resolved = Posix.realpath(directory), Posix.isDirectory(resolved) else {
            throw refuse("it is not a directory of the build")
        }
        guard let base = Posix.realpath(buildDirectory), resolved == base || resolved.hasPrefix(base + "/") else {
            throw refuse("it leads out of the build (a symlink?)")
        }
        let what = root.rawValue == "." ? "the whole build" : root.rawValue + "/"
        line(BuildLog.header("Static files: nginx serves \(what) with no process"))
        return root
    }

    /// ENV_DIR for compile: a snapshot of the app's config in an envdir that only the build's user can read (the
    /// live one is root's, 0700). The caller removes it after the build.
    private func buildEnvDirectory(
        _ app: AppName, env: [EnvKey: String], credentials: ChildProcess.Credentials?
    ) throws -> String {
        let directory = layout.app(app).directory + "/.build-env"
        try Posix.removeTree(directory)
        try Posix.mkdir(directory, mode: 0o700)
        for (key, value) in env {
            try AtomicFile.write(try EnvDir.encode(value, for: key), to: directory + "/" + key.rawValue, mode: 0o600)
        }
        if let credentials { try Posix.chownTree(directory, uid: credentials.uid, gid: credentials.gid) }
        return directory
    }

    /// app.json's `env` against the app's config (docs/DESIGN.md §5): a required variable the config lacks fails the
    /// deploy by name, before the build; defaults and generated secrets the config lacks are written to it at once,
    /// in one atomic write, with an event that names them (never a value). The config always wins.
    private func applyEnv(
        of manifest: AppManifest, app: AppName, actor: String, line: @Sendable (String) -> Void
    ) async throws {
        guard !manifest.env.isEmpty else { return }
        let directory = EnvDirectory(path: layout.app(app).env)
        let plan = manifest.envPlan(config: try directory.dictionary())
        guard plan.missing.isEmpty else {
            let names = plan.missing.map { rule in rule.key.rawValue + (rule.description.map { " (\($0))" } ?? "") }
            let example = plan.missing.map { "\($0.key)=..." }.joined(separator: " ")
            throw DaemonError.deployFailed(
                app: app.rawValue,
                reason: "app.json's env requires \(names.joined(separator: ", ")), which the config lacks; "
                    + "set \(plan.missing.count == 1 ? "it" : "them") first (dokuen config set \(app) \(example))")
        }
        guard !plan.defaults.isEmpty || !plan.secrets.isEmpty else { return }
        var set = plan.defaults
        for key in plan.secrets { set[key] = AppManifest.secret() }
        try directory.update(set: set)
        let said =
            plan.defaults.keys.sorted().map { "\($0) (its value)" }
            + plan.secrets.sorted().map { "\($0) (a generated secret)" }
        try await store.appendEvent(
            actor: actor, app: app, action: "config.change",
            detail: "app.json: set " + said.joined(separator: ", "))
        line(BuildLog.header("app.json: the config lacked " + said.joined(separator: ", ") + "; set"))
    }

    /// app.json's `scripts.dokku.predeploy`: after the build, before the release phase, like it (a one-off process in
    /// the new build, the new release's env, as the app's user). Its failure fails the deploy.
    private func runPredeploy(
        _ command: String, app: AppName, build: BuildRecord, env: [EnvKey: String],
        credentials: ChildProcess.Credentials?, line: @escaping @Sendable (String) -> Void
    ) async throws {
        line(BuildLog.header("Running app.json's predeploy script: \(Quoting.printable(command, limit: 200))"))
        let started = ContinuousClock.now
        let status = try await runScript(
            command, type: Self.predeployType, label: "the predeploy script", app: app, build: build, env: env,
            release: nil, credentials: credentials, line: line)
        guard status == .exited(0) else {
            throw DaemonError.deployFailed(
                app: app.rawValue, reason: "app.json's scripts.dokku.predeploy failed (\(status))")
        }
        line(BuildLog.header("Predeploy script done in \(BuildLog.elapsed(ContinuousClock.now - started))"))
    }

    /// app.json's `scripts.postdeploy` (at the app's first release only, as Dokku runs it) then
    /// `scripts.dokku.postdeploy` (every deploy), after the cutover, in release `id`'s env. A failure is reported in
    /// the output, dokuend's log and an event (`deploy.postdeploy`); the release stays.
    private func postdeploy(
        _ app: AppName, release id: ReleaseID, actor: String, line: @escaping @Sendable (String) -> Void
    ) async {
        func failed(_ name: String, _ why: String) async {
            line(BuildLog.header("app.json's \(name) failed (\(why)); \(id) stays released"))
            DaemonLog.error(app, "app.json's \(name) of \(id) failed: \(why)")
            _ = try? await store.appendEvent(
                actor: actor, app: app, action: "deploy.postdeploy", detail: "\(id): \(name) failed (\(why))")
        }
        let release: ReleaseRecord
        let build: BuildRecord
        let manifest: AppManifest
        do {
            release = try await store.release(app: app, id)
            build = try await store.build(app: app, id: release.buildID)
            manifest = try AppManifest.load(buildDirectory: layout.app(app).build(build.stamp))
        } catch {
            return await failed("post-deploy scripts", "\(error)")
        }
        var scripts: [(name: String, command: String)] = []
        if id.number == 1, let first = manifest.firstPostdeploy { scripts.append(("scripts.postdeploy", first)) }
        if let every = manifest.postdeploy { scripts.append(("scripts.dokku.postdeploy", every)) }
        for script in scripts {
            line(BuildLog.header("Running app.json's \(script.name): \(Quoting.printable(script.command, limit: 200))"))
            let started = ContinuousClock.now
            do {
                let status = try await runScript(
                    script.command, type: Self.postdeployType, label: "the \(script.name) script", app: app,
                    build: build, env: release.env,
                    release: InstanceEnvironment.Release(id: id, createdAt: release.createdAt, commit: build.commit),
                    credentials: try await accounts.credentials(app), line: line)
                guard status == .exited(0) else {
                    await failed(script.name, "\(status)")
                    continue
                }
                line(
                    BuildLog.header(
                        "\(script.name.prefix(1).uppercased() + script.name.dropFirst()) done in "
                            + BuildLog.elapsed(ContinuousClock.now - started)))
            } catch {
                await failed(script.name, "\(error)")
            }
        }
    }

    /// A one-off process of `build` for a deploy step: `command` through the shell as a Procfile's, in the build
    /// directory, with the instance environment (`DYNO=<type>.1`, no port), as the app's user, its output indented
    /// into the deploy's. Bounded by the build timeout.
    private func runScript(
        _ command: String, type: ProcessType, label: String, app: AppName, build: BuildRecord, env: [EnvKey: String],
        release: InstanceEnvironment.Release?, credentials: ChildProcess.Credentials?,
        line: @escaping @Sendable (String) -> Void
    ) async throws -> ExitStatus {
        let paths = layout.app(app)
        let id = try InstanceID(app: app, type: type, index: 1, release: release?.id ?? ReleaseID(number: 1))
        var environment = InstanceEnvironment.make(
            instance: id, port: nil, buildDirectory: paths.build(build.stamp), dataDirectory: paths.data,
            buildpackDefaults: Dictionary(uniqueKeysWithValues: build.configVars.map { ($0.key.rawValue, $0.value) }),
            appEnvironment: env, singleInstancePorts: [:], release: release)
        if release == nil, let commit = build.commit { environment["SOURCE_VERSION"] = commit }
        let argv = ProcessCommand.procfile(command)
        return try await StepRunner.run(
            BuildStep(
                label: label, executable: argv[0], arguments: Array(argv.dropFirst()),
                environment: environment, workingDirectory: paths.build(build.stamp), user: credentials,
                timeout: .seconds(settings.buildTimeoutSeconds))
        ) { line(BuildLog.indent($0)) }
    }

    private static let predeployType = try! ProcessType("predeploy")
    private static let postdeployType = try! ProcessType("postdeploy")

    /// Step 4: the Procfile's `release:` command, in the new build with the new release's environment, as the
    /// app's user, before any instance starts. Its failure fails the deploy.
    private func runReleasePhase(
        _ command: String, app: AppName, build: BuildRecord, env: [EnvKey: String],
        credentials: ChildProcess.Credentials?, line: @escaping @Sendable (String) -> Void
    ) async throws {
        let paths = layout.app(app)
        let id = try InstanceID(app: app, type: Self.releaseType, index: 1, release: ReleaseID(number: 1))
        var environment = InstanceEnvironment.make(
            instance: id, port: nil, buildDirectory: paths.build(build.stamp), dataDirectory: paths.data,
            buildpackDefaults: Dictionary(uniqueKeysWithValues: build.configVars.map { ($0.key.rawValue, $0.value) }),
            appEnvironment: env, singleInstancePorts: [:])
        environment["DYNO"] = "release.1"
        line(BuildLog.header("Running the release command: \(command)"))
        let argv = ProcessCommand.procfile(command)
        let started = ContinuousClock.now
        let status = try await StepRunner.run(
            BuildStep(
                label: "the release command", executable: argv[0], arguments: Array(argv.dropFirst()),
                environment: environment, workingDirectory: paths.build(build.stamp), user: credentials,
                timeout: .seconds(settings.buildTimeoutSeconds))
        ) { line(BuildLog.indent($0)) }
        guard status == .exited(0) else {
            throw DaemonError.deployFailed(app: app.rawValue, reason: "the release command failed (\(status))")
        }
        line(BuildLog.header("Release command done in \(BuildLog.elapsed(ContinuousClock.now - started))"))
    }

    /// The formation of a new build (`Formation.forRelease`, docs/DESIGN.md §2): a type of the release before keeps
    /// its count; a new one gets what `ps scale` or `DOKUEN_SCALE` set before the first release, else app.json's
    /// `quantity`, else 1 for web and 0 for the others; a type the build lacks goes to 0. Said in the output.
    /// The types it returns besides follow the stored counts while the cutover runs (`Candidate.followsStored`):
    /// the kept ones, or at the first release every type (a `ps scale` during the first deploy wins).
    private func formation(
        _ app: AppName, of build: BuildRecord, manifest: AppManifest, progress: @Sendable (String) -> Void
    ) async throws -> (Formation, follows: Set<ProcessType>) {
        let stored = Dictionary(
            uniqueKeysWithValues: try await store.formation(app: app).map { ($0.type, $0.count) })
        var previousTypes: Set<ProcessType>?
        if let latest = try await store.latestRelease(app: app) {
            previousTypes = Set(try await store.build(app: app, id: latest.buildID).processes.keys)
        }
        let decisions = Formation.forRelease(
            types: Set(build.processes.keys), previousTypes: previousTypes, stored: stored,
            manifest: manifest.formation)
        let shown = decisions.filter { $0.origin != .dropped }.map { "\($0.type)=\($0.count)" }
        if !shown.isEmpty { progress(BuildLog.header("Formation: " + shown.joined(separator: " "))) }
        for note in Formation.notes(decisions, stored: stored, firstRelease: previousTypes == nil, app: app.rawValue) {
            progress(BuildLog.indent(note))
        }
        let follows =
            previousTypes == nil
            ? Set(build.processes.keys) : Set(decisions.filter { $0.origin == .kept }.map(\.type))
        return (Formation(scales: decisions.map { Formation.Scale(type: $0.type, count: $0.count) }), follows)
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
        let null = try Posix.open("/dev/null", .readWrite)
        let errors = try Posix.open(archive + ".err", [.writeOnly, .create, .truncate])
        defer {
            Posix.close(null)
            Posix.close(errors)
            try? Posix.unlink(archive + ".err")
        }
        let tar = try ChildProcess.spawn(
            "/bin/tar", arguments: ["-x", "-f", archive, "-C", directory, "--no-same-owner", "--no-same-permissions"],
            environment: ["PATH": "/usr/bin:/bin", "LC_ALL": "C"], stdin: null, stdout: null, stderr: errors)
        guard let status = try tar.wait(milliseconds: 120_000) else {
            _ = try? tar.signalGroup(.kill)
            _ = try? tar.wait()
            throw DaemonError.deployFailed(app: directory, reason: "unpacking took more than 120 s")
        }
        guard status == .exited(0) else {
            let message = String(decoding: (try? Posix.readFile(archive + ".err")) ?? [], as: UTF8.self)
            throw DaemonError.deployFailed(
                app: directory, reason: "the tarball could not be unpacked: \(message)")
        }
    }

    static func nowMicroseconds() -> Int64 { Posix.realtimeMicroseconds() }
}
