import DokuenPosix

/// dokuend's log: one line per event on stderr (the journal under systemd), `dokuend: SUBJECT: message`. The
/// subject is what the line is about (an app, `blog:web.1`, `routing`, `api`), given apart from the message so
/// that no call site types the prefix and every line can be grepped by what it concerns.
public enum DaemonLog {
    /// Something failed; dokuend carries on.
    public static func error(_ subject: some CustomStringConvertible, _ message: String) {
        log(line(subject.description, message))
    }

    /// Something happened that an operator may want to know.
    public static func info(_ subject: some CustomStringConvertible, _ message: String) {
        log(line(subject.description, message))
    }

    /// dokuend cannot go on: `dokuend: error: message`, once, before it exits (the CLI's `dokuen: error:`).
    public static func fatal(_ message: String) { log(line("error", message)) }

    /// `dokuend: SUBJECT: message`, on one line whatever the message holds.
    static func line(_ subject: String, _ message: String) -> String {
        let text = "dokuend: \(subject): \(message)"
        return text.contains(where: \.isNewline) ? text.split(whereSeparator: \.isNewline).joined(separator: " ") : text
    }
}

/// Writes one line to stderr, which is the journal under systemd. `DaemonLog` is the way to call it: this stays
/// for the call sites that still write their own `dokuend: ` prefix.
public func log(_ line: String) {
    Posix.writeToStandardError(line + "\n")
}
