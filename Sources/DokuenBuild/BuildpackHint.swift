/// Hints added under a failed buildpack step: pure functions of the step's last output lines, so that a cause the
/// user cannot see from git's own message is named (docs/ISOLATION.md: builds run as the app's own user).
public enum BuildpackHint {
    /// How many of a step's last output lines a hint looks at.
    public static let window = 20

    /// git's messages when it cannot read a repository (matched without regard to case). A local path the user
    /// cannot reach reads as `fatal: repository '/x' does not exist`; an https one as `fatal: repository '…' not
    /// found`.
    static let gitAccessErrors = [
        "detected dubious ownership", "permission denied", "could not read from remote repository",
        "does not appear to be a git repository", "repository '",
    ]

    /// The hint for a step whose output ends with `lines`, when one of them is git (or ssh under it) failing to
    /// read a repository: the build runs as `user` (nil: its name is not known), who may not be able to read it.
    /// Nil when no line says so.
    public static func gitAccess(lastLines lines: some Collection<String>, user: String?) -> String? {
        guard lines.suffix(window).contains(where: isGitAccessError) else { return nil }
        let who = user.map { "the app's user \($0)" } ?? "the build's user"
        return " !     Hint: the build runs as \(who), who may not be able to read the git repository this "
            + "buildpack clones; make that repository world-readable, clone it over https, or install the buildpack "
            + "with `dokuen buildpacks install NAME URL` and use it by name"
    }

    /// Whether `line` is git's (`fatal: …`, `error: …`) or ssh's (`…: Permission denied (publickey).`) report of
    /// a repository it cannot read. A bare "Permission denied" from anything else (a script, a file) is not.
    static func isGitAccessError(_ line: String) -> Bool {
        let lowered = line.trimmingSpaces.lowercased()
        guard gitAccessErrors.contains(where: { lowered.contains($0) }) else { return false }
        if lowered.hasPrefix("fatal:") || lowered.hasPrefix("error:") { return true }
        return lowered.contains("permission denied (publickey")
    }
}
