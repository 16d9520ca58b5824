/// The content of a service directory's `status` file: a versioned text format that any later dokuend can read.
/// Line 1 is `dokuen-shim-status <version>`, then `key=value` lines. Readers ignore keys they do not know, and
/// a key added later must have a default, so an older shim's file stays readable (docs/SHIM.md).
public struct StatusRecord: Equatable, Sendable {
    public static let version = 1
    static let magic = "dokuen-shim-status"

    public var state: ShimState = .stopped
    public var wantUp = false
    public var shimPID: Int32 = 0
    public var pid: Int32 = 0
    public var pgid: Int32 = 0
    /// UTC milliseconds since the epoch of the last state change.
    public var sinceMilliseconds: Int64 = 0
    public var restarts = 0
    public var lastExit: ProcessExit?
    public var ready = false
    public var droppedBytes: Int64 = 0
    /// The log writer is dropping output now: its last write failed, and the marker line that ends the episode is
    /// not written yet (`LogDrops`). Added after version 1 was out; false when missing.
    public var logDropping = false
    /// UTC milliseconds of the next start attempt in BACKOFF or FATAL, 0 when none.
    public var nextTryMilliseconds: Int64 = 0
    public var error = ""
    public var command = ""
    /// The kernel's boot id (`/proc/sys/kernel/random/boot_id`) when the shim wrote the record. A record from an
    /// earlier boot names pids and process groups that mean nothing now: dokuend must not signal them.
    public var bootID = ""

    public init() {}

    public func encoded() -> String {
        var lines = [Self.magic + " " + String(Self.version)]
        lines.append("state=" + state.name)
        lines.append("want=" + (wantUp ? "up" : "down"))
        lines.append("shim_pid=" + String(shimPID))
        lines.append("pid=" + String(pid))
        lines.append("pgid=" + String(pgid))
        lines.append("since_ms=" + String(sinceMilliseconds))
        lines.append("restarts=" + String(restarts))
        lines.append("exit=" + (lastExit?.text ?? "none"))
        lines.append("ready=" + (ready ? "1" : "0"))
        lines.append("dropped_bytes=" + String(droppedBytes))
        lines.append("next_try_ms=" + String(nextTryMilliseconds))
        lines.append("error=" + Self.escape(error))
        lines.append("command=" + Self.escape(command))
        lines.append("boot_id=" + Self.escape(bootID))
        lines.append("log_dropping=" + (logDropping ? "1" : "0"))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a status file. Nil when it is not one, or when its version is newer than this build knows.
    public init?(decoding text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first else { return nil }
        let headerParts = header.split(separator: " ")
        guard headerParts.count == 2, String(headerParts[0]) == Self.magic, let version = Int(String(headerParts[1])),
            version >= 1, version <= Self.version
        else { return nil }
        for line in lines.dropFirst() {
            guard let equals = line.firstIndex(of: "=") else { return nil }
            let key = String(line[line.startIndex..<equals])
            let value = String(line[line.index(after: equals)...])
            switch key {
            case "state":
                guard let state = ShimState(name: value) else { return nil }
                self.state = state
            case "want": wantUp = value == "up"
            case "shim_pid": shimPID = Int32(value) ?? 0
            case "pid": pid = Int32(value) ?? 0
            case "pgid": pgid = Int32(value) ?? 0
            case "since_ms": sinceMilliseconds = Int64(value) ?? 0
            case "restarts": restarts = Int(value) ?? 0
            case "exit": lastExit = ProcessExit(text: value)
            case "ready": ready = value == "1"
            case "dropped_bytes": droppedBytes = Int64(value) ?? 0
            case "log_dropping": logDropping = value == "1"
            case "next_try_ms": nextTryMilliseconds = Int64(value) ?? 0
            case "error": error = Self.unescape(value)
            case "command": command = Self.unescape(value)
            case "boot_id": bootID = Self.unescape(value)
            default: continue  // a key from a newer minor revision
            }
        }
    }

    /// Keeps a value on one line: `\` → `\\`, newline → `\n`, carriage return → `\r` (a bare CR before the
    /// line's newline would fuse with it into one `\r\n` Character and hide the line end).
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    public static func unescape(_ text: String) -> String {
        var out = ""
        var escaping = false
        for scalar in text.unicodeScalars {
            if escaping {
                out.unicodeScalars.append(scalar == "n" ? "\n" : scalar == "r" ? "\r" : scalar)
                escaping = false
            } else if scalar == "\\" {
                escaping = true
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
