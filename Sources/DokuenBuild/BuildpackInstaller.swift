import DokuenPosix

/// `dokuen buildpacks install|remove|list`: installed buildpacks live in `<root>/buildpacks/<name>/`.
///
/// An install clones the source (a git URL or a local repository path) into a private temporary directory beside
/// the others (`.install-<name>-XXXXXX`, skipped by the catalog), checks out `#ref` when given (a branch, a tag or
/// a commit, abbreviated or not), checks that `bin/detect`, `bin/compile` and `bin/release` are executable, records
/// the source and commit, and renames the directory into place: a buildpack appears whole or not at all.
///
/// git runs as dokuend's own user, not as the build user: the buildpack stays read-only to builds, so one app's
/// build cannot change the buildpack another app's build runs. It gets a clean environment (nothing of the
/// caller's `GIT_*`, no user or system git config, no terminal prompt, ssh in batch mode) and runs through
/// `StepRunner`, so a hung clone is stopped after `timeout`.
public struct BuildpackInstaller: Sendable {
    public let catalog: BuildpackCatalog
    public let git: String
    public let timeout: Duration

    public init(catalog: BuildpackCatalog, git: String = "/usr/bin/git", timeout: Duration = .seconds(300)) {
        self.catalog = catalog
        self.git = git
        self.timeout = timeout
    }

    /// Every buildpack, built-in or installed (an installed one replaces a built-in of its name): those detection
    /// tries, in its order, then any that a configured order leaves out, by name.
    public func list() throws(BuildError) -> [Buildpack] {
        let tried = try catalog.detectionCandidates()
        let names = Set(tried.map(\.name))
        return tried + (try catalog.all()).filter { !names.contains($0.name) }
    }

    /// Installs `source` as `name`. `progress` gets git's output lines.
    @discardableResult
    public func install(
        name: BuildpackName, source: BuildpackSource, progress: @escaping @Sendable (String) -> Void = { _ in }
    )
        async throws(BuildError) -> Buildpack
    {
        let directory = catalog.installedDirectory + "/" + name.rawValue
        if try exists(directory) { throw .alreadyInstalled(name.rawValue) }
        let temporary: String
        do {
            try Posix.mkdir(catalog.installedDirectory, existingOK: true)
            temporary = try Posix.makeTemporaryDirectory(prefix: catalog.installedDirectory + "/.install-\(name)-")
        } catch {
            throw .file(error)
        }
        let commit: String
        do throws(BuildError) {
            commit = try await fetch(source, into: temporary, progress: progress)
            for program in Buildpack.programs where !Posix.isExecutableFile(temporary + "/bin/" + program) {
                throw BuildError.missingProgram(buildpack: name.rawValue, program: program)
            }
            do throws(PosixError) {
                // The time orders detection among installed buildpacks (`BuildpackCatalog`).
                try AtomicFile.write(
                    Array("\(source)\n\(commit)\n\(Posix.realtimeMicroseconds())\n".utf8),
                    to: temporary + "/" + BuildpackCatalog.sourceRecord)
                // mkdtemp made it 0700; the build user must be able to run the buildpack.
                try Posix.chmod(temporary, 0o755)
                try Posix.rename(temporary, directory)
            } catch  where error.code == .exists || error.code == .notEmpty {
                throw BuildError.alreadyInstalled(name.rawValue)
            } catch {
                throw BuildError.file(error)
            }
        } catch {
            try? Posix.removeTree(temporary)
            throw error
        }
        return Buildpack(
            name: name, directory: directory, origin: .installed(source: source.description, commit: commit))
    }

    /// Removes the installed buildpack `name`. The directory first moves aside in one rename, so a build never
    /// sees half of it.
    public func remove(name: BuildpackName) throws(BuildError) {
        let directory = catalog.installedDirectory + "/" + name.rawValue
        guard try exists(directory) else {
            let builtIn = try catalog.builtIns().contains { $0.name == name }
            throw .notInstalledName(name.rawValue, builtIn: builtIn)
        }
        do {
            let trash = try Posix.makeTemporaryDirectory(prefix: catalog.installedDirectory + "/.remove-\(name)-")
            try Posix.rename(directory, trash + "/" + name.rawValue)
            try Posix.removeTree(trash)
        } catch {
            throw .file(error)
        }
    }

    /// Clones `source` into `directory` (empty) and checks out its ref; returns the commit checked out.
    private func fetch(
        _ source: BuildpackSource, into directory: String, progress: @escaping @Sendable (String) -> Void
    )
        async throws(BuildError) -> String
    {
        let action = "clone"
        var clone = ["clone", "--quiet"]
        if source.ref != nil { clone.append("--no-checkout") }
        _ = try await runGit(
            clone + ["--", source.location, directory], action: action, source: source, progress: progress)
        if let ref = source.ref {
            var commit: String?
            for candidate in ["refs/tags/\(ref)", "refs/remotes/origin/\(ref)", ref] {
                let output = try await runGit(
                    ["-C", directory, "rev-parse", "--verify", "--quiet", candidate + "^{commit}"], action: "resolve",
                    source: source, progress: { _ in }, allowFailure: true)
                if let sha = output, !sha.isEmpty {
                    commit = sha
                    break
                }
            }
            guard let commit else { throw .unknownRef(ref, source: source.location) }
            _ = try await runGit(
                ["-C", directory, "checkout", "--quiet", "--detach", commit], action: "check out", source: source,
                progress: progress)
        }
        return try await runGit(
            ["-C", directory, "rev-parse", "HEAD"], action: "read the commit of", source: source, progress: { _ in })
            ?? ""
    }

    /// Runs git; returns its last line of output (nil when it failed and `allowFailure` is set).
    private func runGit(
        _ arguments: [String], action: String, source: BuildpackSource, progress: @escaping @Sendable (String) -> Void,
        allowFailure: Bool = false
    ) async throws(BuildError) -> String? {
        let output = LineCollector()
        let step = BuildStep(
            label: "git \(arguments.first { !$0.hasPrefix("-") && $0 != "-C" } ?? "")", executable: git,
            arguments: arguments, environment: Self.gitEnvironment, workingDirectory: "/", timeout: timeout)
        let status = try await StepRunner.run(step) { line in
            output.add(line)
            progress(line)
        }
        let last = output.lines.last { !$0.isEmpty } ?? ""
        guard status == .exited(0) else {
            if allowFailure { return nil }
            throw .git(source: source.description, action: action, status, output: last)
        }
        return last
    }

    /// Nothing of the caller's git settings: no `GIT_*`, no global or system config, no prompts.
    static let gitEnvironment = [
        "PATH": Builder.defaultPath, "HOME": "/nonexistent", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
    ]

    private func exists(_ path: String) throws(BuildError) -> Bool {
        do { return try Posix.lstat(path) != nil } catch { throw .file(error) }
    }
}
