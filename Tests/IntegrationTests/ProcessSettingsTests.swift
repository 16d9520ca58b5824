import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// `dokuen ps set` and the per-slot `dokuen stop APP:TYPE.N`, through the real dokuend, CLI and shims.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ProcessSettingsTests {
    static let procfile = """
        web: exec python3 -m http.server $PORT --bind 127.0.0.1
        worker: while true; do echo tick; sleep 1; done
        """

    /// Creates and deploys blog, then waits for its two instances.
    func deploy(_ daemon: DaemonHarness) throws -> [InstanceStatus] {
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        // Only web starts at a first deploy; kept for it (docs/DESIGN.md §2, Formation).
        #expect(try daemon.dokuen(["ps", "scale", "blog", "worker=1"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        return try daemon.waitUntil("web.1 and worker.1 RUNNING") { statuses in
            Self.slots(statuses) == ["web.1", "worker.1"] && Self.live(statuses).allSatisfy { $0.state == "RUNNING" }
        }
    }

    /// `web.1`, `worker.1`, … of the instances with a live shim, sorted.
    static func slots(_ statuses: [InstanceStatus]) -> [String] {
        Set(live(statuses).map { "\($0.type).\($0.index)" }).sorted()
    }

    /// The instances with a live shim: not a dead one, nor a line for a stopped slot.
    static func live(_ statuses: [InstanceStatus]) -> [InstanceStatus] { statuses.filter { $0.shimPID != nil } }

    func settings(_ daemon: DaemonHarness) throws -> [ProcessSettingsEntry] {
        let result = try daemon.dokuen(["ps", "settings", "blog", "--json"])
        #expect(result.status == .exited(0), "\(result.standardError)")
        return try JSONDecoder().decode([ProcessSettingsEntry].self, from: Data(result.stdout))
    }

    /// The arguments of a live process, from `/proc/PID/cmdline`.
    func commandLine(_ pid: Int32) throws -> [String] {
        String(decoding: try Posix.readFile("/proc/\(pid)/cmdline"), as: UTF8.self).split(separator: "\0").map(
            String.init)
    }

    @Test func psSetIsCheckedStoredShownAndTakesEffectWhenTheInstanceIsReplaced() throws {
        let daemon = try DaemonHarness(label: "psset")
        defer { daemon.stop() }
        _ = try deploy(daemon)
        let defaults = try settings(daemon)
        #expect(defaults.map(\.type) == ["web", "worker"] && defaults.allSatisfy { $0.setKeys.isEmpty })
        #expect(defaults.first?.settings["stop_timeout"] == "30")

        for (arguments, code, message) in [
            (
                ["stop_timeout=abc"], 64,
                "dokuen: error: invalid setting \"stop_timeout=abc\": stop_timeout takes whole seconds from 0 to 86400"
            ),
            (
                ["stop_signal=INT", "stop_tmeout=2"], 64,
                "dokuen: error: invalid setting \"stop_tmeout=2\": unknown key \"stop_tmeout\"; the keys are "
                    + "stop_signal, stop_timeout, restart, startsecs, readiness, start_timeout, nice, nofile, nproc, "
                    + "core, memory, pids, log_max_bytes, log_backups"
            ),
            (
                ["nofile=lots"], 64,
                "dokuen: error: invalid setting \"nofile=lots\": nofile takes a whole number (0 or more) or unlimited"
            ),
            (
                ["restart=sometimes"], 64,
                "dokuen: error: invalid setting \"restart=sometimes\": restart takes always, on-failure, never"
            ),
        ] {
            let bad = try daemon.dokuen(["ps", "set", "blog", "web"] + arguments)
            #expect(bad.status == .exited(Int32(code)), "\(arguments)")
            #expect(bad.standardError.hasPrefix(message + "\n"), "\(bad.standardError)")
            #expect(bad.standardError.components(separatedBy: "dokuen: error:").count == 2, "one error line")
        }
        let unknownType = try daemon.dokuen(["ps", "set", "blog", "clock", "stop_timeout=2"])
        #expect(unknownType.status == .exited(1))
        #expect(
            unknownType.standardError
                == "dokuen: error: unable to change the settings of blog: release v1 has no process type 'clock' "
                + "(it has web, worker)\n")
        #expect(try settings(daemon) == defaults, "nothing changed")
        #expect(!(try daemon.dokuen(["events", "blog"]).standardOutput.contains("settings.change")))

        let set = try daemon.dokuen(["ps", "set", "blog", "web", "stop_timeout=2", "stop_signal=sigint"])
        #expect(set.status == .exited(0), "\(set.standardError)")
        let lines = set.standardOutput.split(separator: "\n")
        #expect(lines.first == "Changed blog:web: stop_timeout=2 stop_signal=INT")
        #expect(lines.count == 2 && lines[1].contains("blog:web.1"), "names who gets the change: \(set.standardOutput)")
        #expect(lines.last?.hasPrefix("Release v2 is up") == true, "a new release replaced the instances")
        let rolled = try daemon.waitUntil("only v2 instances") { statuses in
            statuses.count == 2 && statuses.allSatisfy { $0.release == "v2" && $0.state == "RUNNING" }
        }
        let rolledShim = try commandLine(try #require(rolled.first { $0.type == "web" }?.shimPID))
        #expect(rolledShim.contains(["--stop-signal", "2"]), "the roll started web with the new settings")

        let web = try #require(try settings(daemon).first { $0.type == "web" })
        #expect(web.setKeys == ["stop_signal", "stop_timeout"])
        #expect(web.settings["stop_signal"] == "INT" && web.settings["stop_timeout"] == "2")
        #expect(web.settings["restart"] == "always", "the others keep their defaults")
        let table = try daemon.dokuen(["ps", "settings", "blog", "web"]).standardOutput
        #expect(
            table.contains("web  stop_signal    INT\n") && table.contains("web  restart        always  (default)\n"))
        #expect(
            try daemon.dokuen(["ps", "blog"]).standardOutput.contains("web settings: stop_signal=INT stop_timeout=2\n"))
        let events = try daemon.dokuen(["events", "blog"]).standardOutput
        #expect(events.contains("settings.change  web: stop_signal=INT, stop_timeout=2"), "\(events)")

        // A replacement driven by dokuend starts a shim with the new settings; worker keeps the defaults.
        let more = try daemon.dokuen(["ps", "set", "blog", "web", "readiness=port", "restart=on-failure"])
        #expect(more.status == .exited(0), "\(more.standardError)")
        #expect(try daemon.dokuen(["stop", "blog:web"]).status == .exited(0))
        _ = try daemon.waitUntil("web gone") { Self.slots($0) == ["worker.1"] }
        #expect(try daemon.dokuen(["start", "blog:web"]).standardOutput == "Started blog:web\n")
        let after = try daemon.waitUntil("web.1 RUNNING again") { statuses in
            statuses.contains { $0.type == "web" && $0.state == "RUNNING" && $0.shimPID != nil }
        }
        let web1 = try #require(after.first { $0.type == "web" && $0.shimPID != nil })
        let shim = try commandLine(try #require(web1.shimPID))
        #expect(shim.contains(["--stop-signal", "2"]) && shim.contains(["--stop-timeout", "2000"]), "\(shim)")
        #expect(shim.contains(["--restart", "on-failure"]), "\(shim)")
        #expect(
            shim.contains(["--ready-port", "\(try #require(web1.port))"]), "readiness probes its own port: \(shim)")
        let worker = try #require(after.first { $0.type == "worker" && $0.shimPID != nil }?.shimPID)
        let workerShim = try commandLine(worker)
        #expect(workerShim.contains(["--stop-signal", "15"]) && workerShim.contains(["--stop-timeout", "30000"]))

        // KEY= puts a key back to its default.
        #expect(try daemon.dokuen(["ps", "set", "blog", "web", "stop_timeout="]).status == .exited(0))
        #expect(
            try settings(daemon).first { $0.type == "web" }?.setKeys == ["stop_signal", "restart", "readiness"])

        // memory and pids need a cgroup per instance, which dokuend does not create: refused, nothing stored.
        let before = try settings(daemon)
        for key in ["memory=512M", "pids=100"] {
            let refused = try daemon.dokuen(["ps", "set", "blog", "web", "nice=1", key])
            #expect(refused.status == .exited(1))
            #expect(
                refused.standardError
                    == "dokuen: error: unable to change the settings of blog:web: \(key.prefix { $0 != "=" }) needs "
                    + "a cgroup v2 per instance, in a subtree delegated to dokuend (systemd Delegate=yes), and this "
                    + "dokuend creates none, so it cannot be enforced\n")
        }
        #expect(try settings(daemon) == before, "nothing changed, nice=1 included")
        #expect(try daemon.dokuen(["ps", "set", "blog", "web", "memory="]).status == .exited(0), "unset is fine")

        // nice and the rlimits go on the shim's command line; unset rlimits are not passed (inherited).
        let limits = try daemon.dokuen([
            "ps", "set", "blog", "worker", "nice=5", "nofile=4096", "core=unlimited", "log_max_bytes=64K",
            "log_backups=2",
        ])
        #expect(limits.status == .exited(0), "\(limits.standardError)")
        let limited = try daemon.waitUntil("worker replaced and RUNNING") { statuses in
            Self.live(statuses).filter { $0.type == "worker" }.count == 1
                && Self.live(statuses).allSatisfy { $0.state == "RUNNING" }
        }
        let workerShimAfter = try commandLine(
            try #require(Self.live(limited).first { $0.type == "worker" }?.shimPID))
        #expect(workerShimAfter.contains(["--nice", "5"]), "\(workerShimAfter)")
        #expect(
            workerShimAfter.contains(["--limit", "nofile=4096"])
                && workerShimAfter.contains(["--limit", "core=unlimited"]))
        #expect(!workerShimAfter.contains { $0.hasPrefix("nproc") }, "unset: inherited")
        #expect(
            workerShimAfter.contains(["--log-max-bytes", "65536", "--log-backups", "2"]),
            "log rotation at the next start: \(workerShimAfter)")
        let bad = try daemon.dokuen(["ps", "set", "blog", "worker", "log_backups=1001"])
        #expect(
            bad.standardError.hasPrefix(
                "dokuen: error: invalid setting \"log_backups=1001\": log_backups takes a whole number from 0 to 1000"))
        let workerTable = try daemon.dokuen(["ps", "settings", "blog", "worker"]).standardOutput
        #expect(
            workerTable.contains("worker  nice           5\n")
                && workerTable.contains("worker  nproc          inherit  (default)\n"), "\(workerTable)")
    }

    @Test func stoppingOneSlotSurvivesARestartAndAScaleUntilItStarts() throws {
        let daemon = try DaemonHarness(label: "slotstop")
        defer { daemon.stop() }
        _ = try deploy(daemon)
        #expect(try daemon.dokuen(["ps", "scale", "blog", "web=3"]).status == .exited(0))
        let three = try daemon.waitUntil("web.1-3 RUNNING") { statuses in
            Self.slots(statuses) == ["web.1", "web.2", "web.3", "worker.1"]
                && Self.live(statuses).allSatisfy { $0.state == "RUNNING" }
        }
        func pid(_ statuses: [InstanceStatus], _ index: Int) -> Int32? {
            statuses.first { $0.type == "web" && $0.index == index }?.pid
        }
        let web2 = try #require(pid(three, 2))

        let stop = try daemon.dokuen(["stop", "blog:web.2"])
        #expect(stop.standardOutput == "Stopped blog:web.2\n", "\(stop.standardError)")
        #expect(try Posix.waitForExit(pid: web2, milliseconds: 30_000), "web.2's process ends")
        var now = try daemon.waitUntil("web.2 gone") { Self.slots($0) == ["web.1", "web.3", "worker.1"] }
        #expect(now.contains { $0.index == 2 && $0.state == "STOPPED" && $0.rssBytes == nil && $0.cpuSeconds == nil })
        #expect(pid(now, 1) == pid(three, 1) && pid(now, 3) == pid(three, 3), "web.1 and web.3 keep running")

        let tooHigh = try daemon.dokuen(["stop", "blog:web.7"])
        #expect(tooHigh.status == .exited(1))
        #expect(tooHigh.standardError == "dokuen: error: invalid target \"blog:web.7\": blog runs 3 web instances\n")

        // dokuend killed and started again: the stop is desired state, read back from the store.
        try daemon.restart()
        now = try daemon.statuses()
        #expect(Self.slots(now) == ["web.1", "web.3", "worker.1"])
        #expect(pid(now, 1) == pid(three, 1) && pid(now, 3) == pid(three, 3))

        // Scaling does not clear it: web.4 starts, web.2 stays stopped.
        #expect(try daemon.dokuen(["ps", "scale", "blog", "web=4"]).status == .exited(0))
        now = try daemon.waitUntil("web.4 RUNNING") { statuses in
            Self.slots(statuses) == ["web.1", "web.3", "web.4", "worker.1"]
                && Self.live(statuses).allSatisfy { $0.state == "RUNNING" }
        }

        #expect(try daemon.dokuen(["start", "blog:web.2"]).standardOutput == "Started blog:web.2\n")
        now = try daemon.waitUntil("web.2 RUNNING again") { statuses in
            Self.slots(statuses) == ["web.1", "web.2", "web.3", "web.4", "worker.1"]
                && Self.live(statuses).allSatisfy { $0.state == "RUNNING" }
        }
        #expect(pid(now, 2) != web2)

        // Stopping a slot, then starting its type, starts the slot too.
        #expect(
            try daemon.dokuen(["stop", "blog:web.3", "blog:web.4"]).standardOutput == "Stopped blog:web.3 blog:web.4\n")
        _ = try daemon.waitUntil("web.3 and web.4 gone") { Self.slots($0) == ["web.1", "web.2", "worker.1"] }
        #expect(try daemon.dokuen(["start", "blog:web"]).status == .exited(0))
        _ = try daemon.waitUntil("web.3 and web.4 back") {
            Self.slots($0) == ["web.1", "web.2", "web.3", "web.4", "worker.1"]
        }
        let events = try daemon.dokuen(["events", "blog"]).standardOutput
        #expect(events.contains("formation.stop  web.2") && events.contains("formation.start  web.2"), "\(events)")
    }
}
