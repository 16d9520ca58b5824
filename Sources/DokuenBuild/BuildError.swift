import DokuenCore
public import DokuenPosix

/// Every way a build, a buildpack step or a buildpack install can fail. Each description is one line that names
/// the buildpack (or the step) and the cause, so the deploy output and the CLI can print it once.
public enum BuildError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A step's program could not be started (missing, not executable, bad working directory, user switch).
    case couldNotStart(step: String, PosixError)
    /// Reading a step's output or waiting for it failed.
    case io(step: String, PosixError)
    /// A step ran past its time limit; it was stopped with its whole process group.
    case timedOut(step: String, seconds: Double)
    /// The task running a step was cancelled; the step was stopped with its whole process group.
    case cancelled(step: String)
    /// A buildpack program exited non-zero (or was killed).
    case failed(buildpack: String, program: String, ExitStatus)
    /// A chosen buildpack (BUILDPACK_URL or `.buildpacks`) does not accept the app.
    case notAccepted(buildpack: String, ExitStatus)
    /// Detection found no buildpack; `tried` lists the candidates in the order they ran.
    case noneDetected(tried: [String])
    /// `bin/release` printed something that is not a release description.
    case release(buildpack: String, reason: String)
    /// The build's `app.json` cannot be used (`AppManifest`).
    case manifest(reason: String)
    /// A buildpack name that is not `[a-z0-9-]{1,63}`.
    case invalidName(String, reason: String)
    /// BUILDPACK_URL or `.buildpacks` names a buildpack that is neither built in nor installed.
    case unknownBuildpack(String, from: String, known: [String])
    /// BUILDPACK_URL or `.buildpacks` names a URL that no installed buildpack came from.
    case notInstalled(url: String, from: String)
    /// A line of `.buildpacks` that is neither a name nor a URL.
    case buildpacksFile(line: Int, reason: String)
    /// An install source (`URL#ref`) that cannot be used.
    case invalidSource(String, reason: String)
    /// A buildpack directory lacks one of its programs.
    case missingProgram(buildpack: String, program: String)
    /// `install` of a name that is taken.
    case alreadyInstalled(String)
    /// `remove` of a name that is not installed (`builtIn`: it is one of the built-ins, which cannot be removed).
    case notInstalledName(String, builtIn: Bool)
    /// git failed while installing; `output` is its last line of output.
    case git(source: String, action: String, ExitStatus, output: String)
    /// The `#ref` of an install source names no commit, branch or tag.
    case unknownRef(String, source: String)
    /// A file or directory operation failed.
    case file(PosixError)

    public var description: String {
        switch self {
        case .couldNotStart(let step, let error): "unable to start \(step): \(error.description.droppingUnableTo)"
        case .io(let step, let error): "unable to run \(step): \(error)"
        case .timedOut(let step, let seconds): "\(step) took more than \(formatSeconds(seconds)) and was stopped"
        case .cancelled(let step): "\(step) was stopped: the build was cancelled"
        case .failed(let buildpack, let program, let status):
            "the \(buildpack) buildpack's \(program) failed (\(statusText(status)))"
        case .notAccepted(let buildpack, let status):
            "the \(buildpack) buildpack does not accept this app (its detect \(statusText(status)))"
        case .noneDetected(let tried):
            tried.isEmpty
                ? "no buildpack detected this app; there are no buildpacks to try"
                : "no buildpack detected this app; tried \(tried.joined(separator: ", "))"
        case .release(let buildpack, let reason): "the \(buildpack) buildpack's release \(reason)"
        case .manifest(let reason): reason
        case .invalidName(let name, let reason): "invalid buildpack name \(Quoting.quoted(name)): \(reason)"
        case .unknownBuildpack(let name, let from, let known):
            "\(from) names \(Quoting.quoted(name)), which is not a buildpack; the buildpacks are "
                + (known.isEmpty ? "none" : known.joined(separator: ", "))
        case .notInstalled(let url, let from):
            "\(from) names \(url), which is not installed; install it with `dokuen buildpacks install NAME \(url)`"
        case .buildpacksFile(let line, let reason): ".buildpacks line \(line): \(reason)"
        case .invalidSource(let text, let reason): "invalid buildpack source \(Quoting.quoted(text)): \(reason)"
        case .missingProgram(let buildpack, let program):
            "the \(buildpack) buildpack has no executable bin/\(program)"
        case .alreadyInstalled(let name):
            "a buildpack called \(name) is already installed; remove it first with `dokuen buildpacks remove \(name)`"
        case .notInstalledName(let name, let builtIn):
            builtIn
                ? "\(name) is a built-in buildpack; only installed buildpacks can be removed"
                : "no buildpack called \(name) is installed"
        case .git(let source, let action, let status, let output):
            "unable to \(action) \(source): git \(statusText(status))" + (output.isEmpty ? "" : ": \(output)")
        case .unknownRef(let ref, let source):
            "unable to find \(Quoting.quoted(ref)) (a branch, tag or commit) in \(source)"
        case .file(let error): error.description
        }
    }
}

/// `exit 1`, `killed by signal 9`.
func statusText(_ status: ExitStatus) -> String {
    switch status {
    case .exited(let code): "exit \(code)"
    case .signaled(let signal): "killed by signal \(signal)"
    }
}

/// `900 s`, `1.5 s`.
func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\((seconds * 10).rounded() / 10) s"
}

extension String {
    /// `unable to start /x: No such file` → `/x: No such file`, so that "unable to" is said once.
    fileprivate var droppingUnableTo: String {
        hasPrefix("unable to start ") ? String(dropFirst("unable to start ".count)) : self
    }
}
