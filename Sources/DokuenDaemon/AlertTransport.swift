import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How a message leaves the machine (docs/ALERTS.md, docs/DEPENDENCIES.md): webhooks and ntfy through Debian's
/// `curl`, e-mail through the host's `sendmail -t -i`. Each runs as an argv through the build runner (its own
/// session, killed with dokuend, never a shell) with a time limit, so a receiver that hangs holds one channel's
/// sender and nothing else. Targets were checked at the boundary (`NotifyTarget`).
public struct AlertTransport: Sendable {
    /// `curl` (nil: not installed; webhook and ntfy channels then fail with a line that says so).
    public var curl: String?
    /// `sendmail` (dokuend --sendmail).
    public var sendmail: String
    /// How long one send may take (curl's --max-time; sendmail's whole run).
    public var timeoutSeconds: Int
    /// Where e-mail messages are written for sendmail's stdin.
    public var spool: String

    public init(curl: String?, sendmail: String, timeoutSeconds: Int, spool: String) {
        self.curl = curl
        self.sendmail = sendmail
        self.timeoutSeconds = timeoutSeconds
        self.spool = spool
    }

    /// `curl` on `searchPath`, else in /usr/bin.
    public static func findCurl(searchPath: String?) -> String? {
        let directories = (searchPath ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return directories.map { $0 + "/curl" }.first { Posix.isExecutableFile($0) }
    }

    /// Sends `message` to `channel`; nil when it went, else why not in one line.
    public func send(_ message: AlertMessage, to channel: NotifyChannelRecord) async -> String? {
        do {
            switch channel.kind {
            case "webhook":
                let body = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
                return await curl(channel.target, headers: ["Content-Type: application/json"], body: body)
            case "ntfy":
                let headers = [
                    "Title: " + Self.headerValue(message.title),
                    "Priority: " + (message.status == "firing" ? "high" : "default"),
                    "Tags: " + (message.status == "firing" ? "rotating_light" : "white_check_mark"),
                ]
                return await curl(channel.target, headers: headers, body: message.body)
            case "email": return await mail(message, to: channel.target, id: channel.id)
            default: return "unknown channel kind \(Quoting.quoted(channel.kind))"
            }
        } catch {
            return "\(error)"
        }
    }

    /// A header value on one line, ASCII only (ntfy and mail headers).
    static func headerValue(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F ? Character($0) : "?" })
    }

    private func curl(_ url: String, headers: [String], body: String) async -> String? {
        guard let curl else { return "curl is not installed (Debian's curl package)" }
        // The URL and the body go in files of the spool (0600), not on the command line: a hook's URL often holds
        // its secret, and every local user can read a process's argv. The URL was checked (`NotifyTarget`: no
        // quotes, spaces, backslashes or control characters), so it is a plain quoted value of curl's config.
        let stem = spool + "/curl-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try Posix.mkdir(spool, mode: 0o700, existingOK: true)
            try AtomicFile.write(Array(body.utf8), to: stem + ".body", mode: 0o600)
            try AtomicFile.write(Array("url = \"\(url)\"\n".utf8), to: stem + ".conf", mode: 0o600)
        } catch { return "unable to write the request for curl: \(error)" }
        defer {
            try? Posix.unlink(stem + ".body")
            try? Posix.unlink(stem + ".conf")
        }
        // -q first: no ~/.curlrc; --globoff: [] and {} in the URL are literal.
        var arguments = [
            "-q", "--silent", "--show-error", "--fail", "--globoff", "--proto", "=http,https", "--max-time",
            String(timeoutSeconds), "--output", "/dev/null",
        ]
        for header in headers { arguments += ["--header", header] }
        arguments += ["--data-binary", "@" + stem + ".body", "--config", stem + ".conf"]
        return await run("curl", curl, arguments, input: nil)
    }

    private func mail(_ message: AlertMessage, to address: String, id: Int64) async -> String? {
        let text =
            "To: \(address)\nSubject: \(Self.headerValue(message.title))\nMIME-Version: 1.0\n"
            + "Content-Type: text/plain; charset=utf-8\nAuto-Submitted: auto-generated\n"
            + "X-Dokuen-Alert: \(Self.headerValue(message.alert))\n\n\(message.body)"
        let path = spool + "/mail-\(id)-\(UInt32.random(in: 0...UInt32.max)).txt"
        do {
            try Posix.mkdir(spool, mode: 0o700, existingOK: true)
            try AtomicFile.write(Array(text.utf8), to: path, mode: 0o600)
        } catch { return "unable to write the message for sendmail: \(error)" }
        defer { try? Posix.unlink(path) }
        return await run("sendmail", sendmail, ["-t", "-i"], input: path)
    }

    private func run(_ label: String, _ executable: String, _ arguments: [String], input: String?) async -> String? {
        let output = LineCollector(keepingLast: 20)
        var step = BuildStep(
            label: label, executable: executable, arguments: arguments, environment: ["PATH": "/usr/bin:/bin"],
            timeout: .seconds(timeoutSeconds + 5), grace: .seconds(2))
        step.dieWithParent = true
        step.standardInput = input
        do {
            let status = try await StepRunner.run(step, onLine: output.add)
            if status == .exited(0) { return nil }
            let last = output.lines.last { !$0.allSatisfy(\.isWhitespace) } ?? ""
            return "\(label) \(status)" + (last.isEmpty ? "" : ": " + Quoting.printable(last, limit: 300))
        } catch {
            return "\(error)"
        }
    }
}
