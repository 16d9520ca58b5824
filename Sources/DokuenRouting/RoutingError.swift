import DokuenCore

/// Every way routing can fail: a value refused before it reaches an nginx config, or nginx refusing a config.
///
/// Each case names the object and the cause, so the CLI prints it once as `dokuen: error: <description>`, on one
/// line. nginx's whole output stays in `details` for a log.
public enum RoutingError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidHostname(String, reason: String)
    case invalidPath(String, reason: String)
    case invalidPort(Int, reason: String)
    case invalidBodySize(String, reason: String)
    case invalidCIDR(String, reason: String)
    case invalidUser(String, reason: String)
    case invalidPasswordHash(reason: String)
    case invalidUpstream(String, reason: String)
    /// A certificate file refused before it was written (`PEMBundle`).
    case invalidCertificate(reason: String)
    /// A private key file refused before it was written (`PEMBundle`).
    case invalidKey(reason: String)
    /// `nginx -t` refused the configuration with `file` in place; the previous file was put back.
    case configRejected(file: String, summary: String, output: String)
    /// The reload command failed after the new file was installed: the file is in place, nginx may not serve it.
    case reloadFailed(command: [String], status: String, output: String)
    /// A command did not finish in time and was killed.
    case timedOut(command: [String], milliseconds: Int32)
    /// A file operation or a spawn failed; the text is the `PosixError`'s.
    case system(String)

    public var description: String {
        switch self {
        case .invalidHostname(let text, let reason): "invalid hostname \(Quoting.quoted(text)): \(reason)"
        case .invalidPath(let text, let reason): "invalid path \(Quoting.quoted(text)) for nginx: \(reason)"
        case .invalidPort(let port, let reason): "invalid port \(port): \(reason)"
        case .invalidBodySize(let text, let reason): "invalid client_max_body_size \(Quoting.quoted(text)): \(reason)"
        case .invalidCIDR(let text, let reason): "invalid address \(Quoting.quoted(text)): \(reason)"
        case .invalidUser(let text, let reason): "invalid user name \(Quoting.quoted(text)): \(reason)"
        case .invalidPasswordHash(let reason): "invalid password hash: \(reason)"
        case .invalidUpstream(let text, let reason): "invalid upstream URL \(Quoting.quoted(text)): \(reason)"
        case .invalidCertificate(let reason): "invalid certificate: \(reason)"
        case .invalidKey(let reason): "invalid private key: \(reason)"
        case .configRejected(let file, let summary, _):
            "nginx: unable to install \(file): nginx -t failed: \(summary)"
        case .reloadFailed(let command, let status, let output):
            "nginx: unable to reload with \(command.joined(separator: " ")): \(status)"
                + (firstLine(of: output).map { ": \($0)" } ?? "")
        case .timedOut(let command, let milliseconds):
            "nginx: unable to run \(command.joined(separator: " ")): no exit after \(milliseconds) ms"
        case .system(let text): "nginx: \(text)"
        }
    }

    /// nginx's whole output for the failures that have one, for a log or `--verbose`.
    public var details: String? {
        switch self {
        case .configRejected(_, _, let output), .reloadFailed(_, _, let output): output
        default: nil
        }
    }
}

/// The first non-empty line of a command's output, without nginx's `nginx: ` prefix.
func firstLine(of output: String) -> String? {
    let lines = output.split(whereSeparator: \.isNewline).map { $0.trimmingPrefix("nginx: ") }
    let line = lines.first { $0.contains("[emerg]") } ?? lines.first { !$0.allSatisfy(\.isWhitespace) }
    return line.map { String($0) }
}
