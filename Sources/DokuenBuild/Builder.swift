public import DokuenCore
import DokuenPosix

/// Builds one build directory with Heroku classic buildpacks (docs/DESIGN.md §2, deploy step 3): chooses the buildpacks
/// (`BuildpackSelection`), runs each one's `bin/detect BUILD_DIR`, then each `bin/compile BUILD_DIR CACHE_DIR
/// ENV_DIR`, then each `bin/release BUILD_DIR`, and merges the release descriptions. Every non-zero exit fails the
/// build. Output streams to `progress` line by line under `-----> ` headers, with elapsed times.
///
/// Each program gets only the platform's clean environment: `PATH=/usr/local/bin:/usr/bin:/bin`, `HOME` = the
/// build directory (the app's HOME when it runs, so what a buildpack puts under `~` is there at run time), `STACK`,
/// `SOURCE_VERSION` when known, and `DOKUEN_RUNTIMES_DIR` when the platform shares runtimes between apps. The app's
/// config is not exported: compile gets the envdir's path as ENV_DIR and reads what it wants from it, as on Heroku.
public struct Builder: Sendable {
    public let catalog: BuildpackCatalog
    public let settings: BuildSettings

    public init(catalog: BuildpackCatalog, settings: BuildSettings = BuildSettings()) {
        self.catalog = catalog
        self.settings = settings
    }

    public static let defaultPath = "/usr/local/bin:/usr/bin:/bin"
    public static let buildpackURL = try! EnvKey("BUILDPACK_URL")

    /// Builds `buildDirectory`. `appEnvironment` is read only for BUILDPACK_URL; `appBuildpack` is the app's
    /// `dokuen buildpacks set` (nil: none); `envDirectory` (the app's envdir) is passed to compile as ENV_DIR.
    public func build(
        buildDirectory: String, cacheDirectory: String, envDirectory: String, appEnvironment: [EnvKey: String],
        appBuildpack: String? = nil, sourceVersion: String? = nil, progress: @escaping @Sendable (String) -> Void
    ) async throws(BuildError) -> BuildResult {
        var environment = ["PATH": Self.defaultPath, "HOME": buildDirectory, "STACK": settings.stack]
        if let sourceVersion { environment["SOURCE_VERSION"] = sourceVersion }
        if let runtimes = settings.runtimesDirectory { environment["DOKUEN_RUNTIMES_DIR"] = runtimes }
        let context = Context(buildDirectory: buildDirectory, environment: environment)

        let selection = try BuildpackSelection.choose(
            buildpackURL: appEnvironment[Self.buildpackURL], appBuildpack: appBuildpack,
            buildpacksFile: try Self.readBuildpacksFile(in: buildDirectory))
        let chosen = try await detect(selection, context, progress: progress)
        progress(BuildLog.header(Self.choiceLine(chosen.map(\.name), origin: selection.origin)))
        if selection.origin == .detection, chosen.first?.origin == .builtIn, chosen.first?.name.rawValue == "procfile",
            try catalog.installed().contains(where: { $0.name.rawValue != "procfile" })
        {
            progress(
                BuildLog.indent(
                    "Installed buildpacks are tried after the built-ins; to build with one, "
                        + "`dokuen buildpacks set APP NAME`"))
        }

        for buildpack in chosen {
            progress(BuildLog.header("Compiling with \(buildpack.name)"))
            let started = ContinuousClock.now
            try await runChecked(
                buildpack, "compile", [buildDirectory, cacheDirectory, envDirectory], settings.compileTimeout,
                context
            ) { progress(BuildLog.indent($0)) }
            progress(BuildLog.header("Compiled in \(BuildLog.elapsed(ContinuousClock.now - started))"))
        }

        progress(BuildLog.header("Discovering process types"))
        var release = ReleaseDescription.empty
        for buildpack in chosen {
            let output = LineCollector()
            try await runChecked(buildpack, "release", [buildDirectory], settings.releaseTimeout, context, output.add)
            let described = try ReleaseDescription.parse(
                output.lines.joined(separator: "\n"), buildpack: buildpack.name.rawValue)
            describe(described, from: buildpack, buildDirectory: buildDirectory, progress: progress)
            release = release.merging(described)
        }
        return BuildResult(buildpacks: chosen.map(\.name.rawValue), release: release)
    }

    /// The deploy output's line naming the buildpacks and the rule that chose them: `python buildpack (detected)`,
    /// `null buildpack (buildpacks set)`, `node, python buildpacks (.buildpacks)`.
    public static func choiceLine(_ names: [BuildpackName], origin: BuildpackSelection.Origin) -> String {
        let rule = origin == .detection ? "detected" : origin.description
        let list = names.map(\.rawValue).joined(separator: ", ")
        return "\(list) buildpack\(names.count == 1 ? "" : "s") (\(rule))"
    }

    /// What every step of one build shares.
    private struct Context: Sendable {
        let buildDirectory: String
        let environment: [String: String]
    }

    /// Runs detect: every candidate in turn until one accepts (detection), or each chosen buildpack, which must
    /// accept. Shows `-----> <Name> app detected` with the name the buildpack printed.
    private func detect(_ selection: BuildpackSelection, _ context: Context, progress: @Sendable (String) -> Void)
        async throws(BuildError) -> [Buildpack]
    {
        if selection.origin == .detection {
            let candidates = try catalog.detectionCandidates()
            for candidate in candidates {
                if try await runDetect(candidate, context, required: false, progress: progress) { return [candidate] }
            }
            throw .noneDetected(tried: candidates.map(\.name.rawValue))
        }
        var chosen: [Buildpack] = []
        for reference in selection.references {
            let buildpack = try resolve(reference, origin: selection.origin)
            _ = try await runDetect(buildpack, context, required: true, progress: progress)
            chosen.append(buildpack)
        }
        return chosen
    }

    /// True when `buildpack` accepts the app; a refusal of a required buildpack throws.
    private func runDetect(
        _ buildpack: Buildpack, _ context: Context, required: Bool, progress: @Sendable (String) -> Void
    ) async throws(BuildError) -> Bool {
        try requirePrograms(of: buildpack)
        let output = LineCollector()
        let started = ContinuousClock.now
        let status = try await StepRunner.run(
            step(buildpack, "detect", [context.buildDirectory], settings.detectTimeout, context), onLine: output.add)
        guard status == .exited(0) else {
            if required { throw .notAccepted(buildpack: buildpack.name.rawValue, status) }
            return false
        }
        let shown = output.lines.map(\.trimmingSpaces).first { !$0.isEmpty } ?? buildpack.name.rawValue
        progress(BuildLog.header("\(shown) app detected (\(BuildLog.elapsed(ContinuousClock.now - started)))"))
        return true
    }

    /// Runs one program of `buildpack`; a non-zero exit throws, after a hint line when its last output lines name
    /// a cause the user cannot see from them (`BuildpackHint`).
    private func runChecked(
        _ buildpack: Buildpack, _ program: String, _ arguments: [String], _ timeout: Duration, _ context: Context,
        _ onLine: @escaping @Sendable (String) -> Void
    ) async throws(BuildError) {
        let tail = LineCollector(keepingLast: BuildpackHint.window)
        let status = try await StepRunner.run(step(buildpack, program, arguments, timeout, context)) { line in
            tail.add(line)
            onLine(line)
        }
        guard status == .exited(0) else {
            if let hint = BuildpackHint.gitAccess(lastLines: tail.lines, user: settings.userName) { onLine(hint) }
            throw .failed(buildpack: buildpack.name.rawValue, program: program, status)
        }
    }

    private func step(
        _ buildpack: Buildpack, _ program: String, _ arguments: [String], _ timeout: Duration, _ context: Context
    ) -> BuildStep {
        BuildStep(
            label: "the \(buildpack.name) buildpack's \(program)", executable: buildpack.program(program),
            arguments: arguments, environment: context.environment, workingDirectory: context.buildDirectory,
            user: settings.user, timeout: timeout, grace: settings.grace)
    }

    private func requirePrograms(of buildpack: Buildpack) throws(BuildError) {
        for program in Buildpack.programs where !Posix.isExecutableFile(buildpack.program(program)) {
            throw .missingProgram(buildpack: buildpack.name.rawValue, program: program)
        }
    }

    private func resolve(_ reference: BuildpackSelection.Reference, origin: BuildpackSelection.Origin)
        throws(BuildError) -> Buildpack
    {
        switch reference {
        case .name(let name):
            guard let buildpack = try catalog.buildpack(named: name) else {
                throw .unknownBuildpack(
                    name.rawValue, from: origin.description, known: try catalog.all().map(\.name.rawValue))
            }
            return buildpack
        case .source(let source):
            guard let buildpack = try catalog.installed(from: source) else {
                throw .notInstalled(url: source.description, from: origin.description)
            }
            return buildpack
        }
    }

    /// The text of `.buildpacks`, nil when there is none. Only a regular file counts: the build comes from the
    /// user's repository, and dokuend must not follow a symlink out of it.
    public static func readBuildpacksFile(in buildDirectory: String) throws(BuildError) -> String? {
        let path = buildDirectory + "/.buildpacks"
        let info: FileInfo?
        do { info = try Posix.lstat(path) } catch { throw .file(error) }
        guard let info else { return nil }
        guard info.kind == .regular else {
            throw .buildpacksFile(line: 1, reason: "it is not a regular file")
        }
        do { return String(decoding: try Posix.readFile(path), as: UTF8.self) } catch { throw .file(error) }
    }

    /// The notes of the release step: default types, config var names, ignored add-ons.
    private func describe(
        _ release: ReleaseDescription, from buildpack: Buildpack, buildDirectory: String,
        progress: @Sendable (String) -> Void
    ) {
        let types = release.defaultProcessTypes.keys.sorted().map(\.rawValue).joined(separator: ", ")
        if !types.isEmpty {
            let hasProcfile = (try? Posix.lstat(buildDirectory + "/Procfile")) != nil
            progress(
                BuildLog.indent(
                    hasProcfile
                        ? "Default types for buildpack \(buildpack.name) -> \(types) (unused: the Procfile wins)"
                        : "Default types for buildpack \(buildpack.name) -> \(types)"))
        }
        if !release.configVars.isEmpty {
            let names = release.configVars.keys.sorted().map(\.rawValue).joined(separator: ", ")
            progress(BuildLog.indent("Config var defaults from \(buildpack.name): \(names)"))
        }
        if !release.addons.isEmpty {
            progress(
                BuildLog.indent(
                    "Add-ons ignored (Dokuen has none; provision them yourself): "
                        + release.addons.joined(separator: ", ")))
        }
    }
}
