import DokuenPosix
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A dokuend on a temp root, started by a test and awaited through its READY=1; `stop()` (in a defer) kills it.
final class DaemonHarness {
    let temp: TemporaryDirectory
    private(set) var daemon: BackgroundProgram
    var root: String { temp("root") }
    let bin = builtProductsDirectory()
    /// Daemons of tests running side by side lease from different ranges (and every daemon skips ports in use),
    /// all below Linux's ephemeral range (32768–60999): a busy client's outgoing connections would take them.
    let ports: String = {
        let base = 20_000 + Int.random(in: 0..<127) * 100
        return "\(base)-\(base + 99)"
    }()

    /// Options for dokuend beyond the root and ports, kept for `restart()`.
    let options: [String]

    /// Environment for dokuend beyond PATH, HOME and NOTIFY_SOCKET (a fault hook); `restart()` may change it.
    private(set) var environment: [String: String]

    init(label: String = "api", options: [String] = [], environment: [String: String] = [:]) throws {
        self.environment = environment
        // Routing is off unless a test asks for its own nginx: this machine's nginx is not the test's.
        self.options = options.contains("--nginx") ? options : options + ["--nginx", "off"]
        temp = try TemporaryDirectory(label)
        // Apps run as users of their own when the tests run as root: they must reach the root.
        try Posix.chmod(temp.path, 0o755)
        let notify = try NotifySocket(path: temp("notify"))
        daemon = try BackgroundProgram(
            bin + "/dokuend", ["--root", temp("root"), "--ports", ports] + self.options,
            environment: ["PATH": "/usr/bin:/bin", "HOME": temp.path, "NOTIFY_SOCKET": notify.path].merging(
                environment
            ) { $1 })
        guard try notify.waitFor("READY=1") != nil else {
            let errors = daemon.standardError
            daemon.stop()
            temp.remove()
            throw ProgramRunError(description: "dokuend did not become ready: \(errors)")
        }
    }

    /// Runs the CLI against this daemon.
    func dokuen(_ arguments: [String], environment extra: [String: String] = [:], deadlineSeconds: Int32 = 60) throws
        -> ProgramResult
    {
        // --root goes before a `--`, after which everything belongs to the command.
        var arguments = arguments
        arguments.insert(contentsOf: ["--root", root], at: arguments.firstIndex(of: "--") ?? arguments.count)
        return try runProgram(
            bin + "/dokuen", arguments,
            environment: ["PATH": "/usr/bin:/bin", "HOME": temp.path].merging(extra) { $1 },
            deadlineSeconds: deadlineSeconds)
    }

    /// Kills the daemon with SIGKILL and starts a new one on the same root; apps must not notice.
    /// `environment`, when given, replaces the extra environment it started with.
    func restart(environment: [String: String]? = nil) throws {
        if let environment { self.environment = environment }
        _ = try? daemon.signal(SIGKILL)
        _ = try daemon.wait(milliseconds: 10_000)
        daemon.stop()  // reaped already; this removes its output files
        let notify = try NotifySocket(path: temp("notify-\(Int.random(in: 0..<1_000_000))"))
        daemon = try BackgroundProgram(
            bin + "/dokuend", ["--root", root, "--ports", ports] + self.options,
            environment: ["PATH": "/usr/bin:/bin", "HOME": temp.path, "NOTIFY_SOCKET": notify.path].merging(
                self.environment
            ) { $1 })
        guard try notify.waitFor("READY=1") != nil else {
            throw ProgramRunError(description: "dokuend did not come back: \(daemon.standardError)")
        }
    }

    /// Stops the daemon, then every shim on the root (with `x`, which tears down its group), by their own pids: the
    /// instances' (`run/svc`) and the cron runs' (`run/cron`).
    func stop() {
        daemon.stop()
        for services in [root + "/run/svc", root + "/run/cron"] { stopShims(under: services) }
        removeAppUsers()
        temp.remove()
    }

    /// Stops the shims of `services/APP/NAME`.
    private func stopShims(under services: String) {
        for app in (try? Posix.listDirectory(services)) ?? [] {
            for instance in (try? Posix.listDirectory(services + "/" + app)) ?? [] {
                let directory = services + "/" + app + "/" + instance
                _ = try? runProgram(bin + "/dokuen-shim", ["ctl", directory, "x"], deadlineSeconds: 10)
                if let text = try? Posix.readFile(directory + "/status"),
                    let shim = String(decoding: text, as: UTF8.self).split(separator: "\n").first(where: {
                        $0.hasPrefix("shim_pid=")
                    }),
                    let pid = Int32(shim.dropFirst(9)), pid > 0
                {
                    if !((try? Posix.waitForExit(pid: pid, milliseconds: 10_000)) ?? true) {
                        _ = try? Posix.kill(pid, SIGKILL)
                    }
                }
            }
        }
    }

    /// Removes the users dokuend made for this root's apps (their home is under it), after killing what they run,
    /// so that test runs leave no users behind.
    func removeAppUsers() {
        guard geteuid() == 0, let passwd = try? Posix.readFile("/etc/passwd") else { return }
        for line in String(decoding: passwd, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 6, fields[4].hasPrefix("dokuen app "), fields[5].hasPrefix(root + "/") else {
                continue
            }
            _ = try? runProgram("/usr/bin/pkill", ["-KILL", "-U", String(fields[0])], deadlineSeconds: 10)
            _ = try? runProgram("/usr/sbin/userdel", [String(fields[0])], deadlineSeconds: 30)
        }
    }
}
