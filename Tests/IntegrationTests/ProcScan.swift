import DokuenPosix

/// The app processes alive on this machine, read from /proc (not from dokuend or its shims' status files): each
/// process other than a shim whose environment has `DOKUEN_APP` and `DYNO` (`InstanceEnvironment`), with its command line and the
/// variables a test asks for. Zombies and processes that exit while they are read are left out.
enum ProcScan {
    struct Process: Sendable {
        var pid: Int32
        var app: String
        var dyno: String
        var commandLine: [String]
        var environment: [String: String]
    }

    /// The app processes of the dokuend on `root` (their `DOKUEN_DATA_DIR` is under it): the same app name may run
    /// under another root at the same time (a test beside in another checkout).
    static func instances(root: String) -> [Process] {
        var found: [Process] = []
        for entry in (try? Posix.listDirectory("/proc")) ?? [] {
            guard let pid = Int32(entry), pid > 1,
                let stat = try? Posix.readFile("/proc/\(pid)/stat"),
                // The state follows the command's closing parenthesis: Z is a zombie, X is dead.
                let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count,
                stat[close + 2] != UInt8(ascii: "Z"), stat[close + 2] != UInt8(ascii: "X"),
                let environ = try? Posix.readFile("/proc/\(pid)/environ"),
                let cmdline = try? Posix.readFile("/proc/\(pid)/cmdline")
            else { continue }
            var environment: [String: String] = [:]
            for item in environ.split(separator: 0) {
                guard let equals = item.firstIndex(of: UInt8(ascii: "=")) else { continue }
                environment[String(decoding: item[..<equals], as: UTF8.self)] = String(
                    decoding: item[(equals + 1)...], as: UTF8.self)
            }
            guard let app = environment["DOKUEN_APP"], let dyno = environment["DYNO"],
                environment["DOKUEN_DATA_DIR"]?.hasPrefix(root + "/") == true
            else { continue }
            let words = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            // The shim carries its child's environment: it is not the app's process.
            guard let first = words.first, !first.hasSuffix("/dokuen-shim") else { continue }
            found.append(Process(pid: pid, app: app, dyno: dyno, commandLine: words, environment: environment))
        }
        return found
    }

    /// The command line of every process alive now, its words joined by spaces.
    static func commandLines() -> [String] {
        ((try? Posix.listDirectory("/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry), let cmdline = try? Posix.readFile("/proc/\(pid)/cmdline") else { return nil }
            return cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        }
    }
}
