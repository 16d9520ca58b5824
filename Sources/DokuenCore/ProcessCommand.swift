/// How a process of a release starts (DESIGN.md §5, Heroku's convention): `/bin/sh` sources every
/// `$HOME/.profile.d/*.sh` that the buildpacks wrote (HOME is the build directory), then runs the command. Procfile
/// commands are shell text by definition; `dokuen run` arguments are passed as positional parameters, so they are
/// never re-parsed.
public enum ProcessCommand {
    /// Sources the profile scripts in name order, in the shell that then runs the command.
    static let sourceProfile =
        "for dokuen_profile in \"$HOME\"/.profile.d/*.sh; do "
        + "if [ -r \"$dokuen_profile\" ]; then . \"$dokuen_profile\"; fi; done; unset dokuen_profile\n"

    /// The argv of a Procfile process.
    public static func procfile(_ command: String) -> [String] {
        ["/bin/sh", "-c", sourceProfile + command]
    }

    /// The argv of `dokuen run APP -- PROGRAM ARGS…`.
    public static func oneOff(_ arguments: [String]) -> [String] {
        ["/bin/sh", "-c", sourceProfile + "exec \"$@\"", "sh"] + arguments
    }
}
