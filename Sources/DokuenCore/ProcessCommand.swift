/// How a process of a release starts (docs/DESIGN.md §5, Heroku's convention): `/bin/sh` sources every
/// `$HOME/.profile.d/*.sh` that the buildpacks wrote (HOME is the build directory), then runs the command. Procfile
/// commands are shell text by definition; `dokuen run` arguments are passed as positional parameters, so they are
/// never re-parsed.
public enum ProcessCommand {
    /// Sources the profile scripts in name order, in the shell that then runs the command.
    static let sourceProfile =
        "for dokuen_profile in \"$HOME\"/.profile.d/*.sh; do "
        + "if [ -r \"$dokuen_profile\" ]; then . \"$dokuen_profile\"; fi; done; unset dokuen_profile\n"

    /// The argv of a Procfile process. A simple command becomes the shell's own process (`exec`), so the app is the
    /// shim's child, as with foreman and Heroku's launcher: `status` shows its pid, and a signal reaches it, not a
    /// shell. A compound one keeps its shell (`isSimple`).
    public static func procfile(_ command: String) -> [String] {
        ["/bin/sh", "-c", sourceProfile + (isSimple(command) ? "exec " : "") + command]
    }

    /// Words that make a line more than one command, or that `exec` cannot run: shell keywords, and builtins with no
    /// program of that name (or whose program would not do the same).
    static let keepShell: Set<Substring> = [
        "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in", "!", "{",
        "}", "function", "select", "time", "exec", ":", ".", "source", "cd", "eval", "exit", "export", "readonly",
        "return", "set", "shift", "trap", "unset", "ulimit", "umask", "wait", "read", "alias", "local", "command",
        "builtin", "break", "continue", "times", "hash", "type", "jobs", "fg", "bg",
    ]

    /// Whether `command` is one simple command that `exec` can start: outside quotes it has no `;`, `&`, `|`, `(`,
    /// `)`, `{`, `}`, `<`, `>`, backquote or newline (so no list, pipeline, subshell, redirection or background job),
    /// no `$(` anywhere (a command substitution), no unclosed quote; it does not start with a variable assignment
    /// (`A=1 app`), a comment or a word of `keepShell`. The rule errs towards keeping the shell: such a line still
    /// runs, as before, under `sh` (docs/API.md, Process settings).
    public static func isSimple(_ command: String) -> Bool {
        var single = false
        var double = false
        var escaped = false
        for scalar in command.unicodeScalars {
            if escaped {
                escaped = false
                continue
            }
            switch scalar {
            case "\\" where !single: escaped = true
            case "'" where !double: single.toggle()
            case "\"" where !single: double.toggle()
            case ";", "&", "|", "(", ")", "{", "}", "`", "\n", "\r", "<", ">":
                if !single && !double { return false }
            default: continue
            }
        }
        if single || double || escaped { return false }
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = words.first, !first.hasPrefix("#") else { return false }
        if keepShell.contains(first) { return false }
        if let equals = first.firstIndex(of: "="),
            first[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
        {
            return false
        }
        return !command.contains("$(")
    }

    /// The argv of `dokuen run APP -- PROGRAM ARGS…`.
    public static func oneOff(_ arguments: [String]) -> [String] {
        ["/bin/sh", "-c", sourceProfile + "exec \"$@\"", "sh"] + arguments
    }
}
