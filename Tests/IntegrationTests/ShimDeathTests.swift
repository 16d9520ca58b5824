import DokuenAPI
import DokuenDaemon
import DokuenPosix
import DokuenSupervision
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A shim that dies without a word (SIGKILL, the OOM killer) sends no event datagram; dokuend learns of it through
/// the shim's pidfd (`ShimWatcher`), kills what is left of its process group, starts a replacement and logs it,
/// with nothing else prompting it (docs/DESIGN.md §2).
@Suite(.serialized, .timeLimit(.minutes(2))) struct ShimDeathTests {
    /// The worker leaves a background `sleep` in its group. The shim's PDEATHSIG reaches only its main process, so
    /// only dokuend's reap can end that one. No type listens on its port, so nothing else on the machine can make a
    /// start fail.
    static let procfile = """
        clock: exec sleep 3600
        worker: sleep 3600 & exec sleep 3600
        """

    @Test func aKilledShimIsReapedAndReplacedWithNoOtherPrompt() throws {
        let daemon = try DaemonHarness(label: "shimdeath")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        // Only web starts at a first deploy; kept for it (docs/DESIGN.md §2, Formation).
        #expect(try daemon.dokuen(["ps", "scale", "blog", "clock=1", "worker=1"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        let before = try daemon.waitUntil("2 instances RUNNING") {
            $0.count == 2 && $0.allSatisfy { $0.state == "RUNNING" }
        }
        let clock = try #require(before.first { $0.type == "clock" })
        let worker = try #require(before.first { $0.type == "worker" })
        let oldShim = try #require(worker.shimPID)
        let statusPath = daemon.root + "/run/svc/blog/worker.1@v1/status"
        let record = try #require(try readStatus(statusPath))
        #expect(record.shimPID == oldShim && record.pgid > 0)
        // The group: the exec'd sleep and the background one, named by pid and start time.
        let group = processes(inGroup: record.pgid)
        defer { for member in group where member.isRunning { _ = try? Posix.kill(member.pid, SIGKILL) } }
        #expect(group.count == 2, "\(group)")
        #expect(group.contains { $0.pid == worker.pid })

        let killed = monotonicMilliseconds()
        try Posix.kill(oldShim, SIGKILL)
        // No CLI call until the replacement is up: only the watcher can have told dokuend.
        let pause = try NotifySocket(path: daemon.temp("pause"))
        var replacement: StatusRecord?
        var spawned: Int64?
        while monotonicMilliseconds() - killed < 30_000 {
            if let now = try readStatus(statusPath), now.shimPID != oldShim {
                spawned = spawned ?? monotonicMilliseconds() - killed
                if now.state == .running {
                    replacement = now
                    break
                }
            }
            _ = try pause.receive(milliseconds: 10)
        }
        let elapsed = monotonicMilliseconds() - killed
        let replaced = try #require(replacement, "no replacement RUNNING 30 s after the shim was killed")
        // RUNNING comes a `--startsecs` (1 s) after the spawn.
        print("ShimDeathTests: shim SIGKILL to new shim in \(spawned ?? -1) ms, to its RUNNING in \(elapsed) ms")

        let after = try JSONDecoder().decode(
            [InstanceStatus].self, from: Data(try daemon.dokuen(["status", "--json"]).stdout))
        let newWorker = try #require(after.first { $0.type == "worker" })
        #expect(newWorker.state == "RUNNING" && newWorker.release == "v1")
        #expect(newWorker.shimPID == replaced.shimPID && newWorker.shimPID != oldShim)
        #expect(newWorker.pid != nil && newWorker.pid != worker.pid)
        #expect(
            after.first { $0.type == "clock" }?.withoutUsage == clock.withoutUsage, "the other instance is untouched")
        for member in group { #expect(!member.isRunning, "\(member) of the dead shim's group is gone") }

        let events = try daemon.dokuen(["events", "blog"]).standardOutput
        #expect(
            events.contains("shim.lost  worker.1@v1: its shim (pid \(oldShim)) died; its process group \(record.pgid)"),
            "\(events)")
    }

    /// The watcher on its own, over 250 real shims: it reports exactly the ones killed, a pid whose shim is gone
    /// (ESRCH, or reused by a stranger that holds no lock) at once, and lets go of shims that leave the set.
    ///
    /// It is async so that awaiting reports frees its thread: the watcher's `run` hands each report over on the
    /// cooperative pool (two threads on a 2-core machine), which a test blocked in a semaphore wait, beside other
    /// suites' blocking tests, starved until its deadline.
    @Test func theWatcherReportsEachOfManyShimsThatDies() async throws {
        let temp = try TemporaryDirectory("watcher")
        var directories: [String] = []
        defer {
            // Every shim started: `x` tears down its child. Then SIGKILL, by the pid in its status, each that still
            // holds its lock, and only those: a killed shim's pid, once init reaped it, may be a stranger's.
            for directory in directories {
                _ = try? runProgram(builtProductsDirectory() + "/dokuen-shim", ["ctl", directory, "x"])
            }
            for directory in directories where (try? FileLock.isHeld(directory + "/lock")) == true {
                if let pid = (try? readStatus(directory + "/status"))??.shimPID, pid > 0,
                    !((try? Posix.waitForExit(pid: pid, milliseconds: 10_000)) ?? true)
                {
                    _ = try? Posix.kill(pid, SIGKILL)
                }
            }
            temp.remove()
        }
        var shims: [ShimWatcher.Shim] = []
        let pause = try NotifySocket(path: temp("pause"))
        for index in 0..<250 {
            let directory = temp("svc\(index)")
            directories.append(directory)
            let run = try runProgram(
                builtProductsDirectory() + "/dokuen-shim", ["start", "--dir", directory, "--", "/bin/sleep", "600"],
                environment: ["PATH": "/usr/bin:/bin"])
            #expect(run.status == .exited(0), "\(run.standardError)")
            // `start` returns once the shim holds its lock; its first `status` may follow a moment later.
            // Each shim has its own deadline: under load, 250 starts can take longer than one shared budget.
            let begun = monotonicMilliseconds()
            var record = try readStatus(directory + "/status")
            while record == nil && monotonicMilliseconds() - begun < 30_000 {
                _ = try pause.receive(milliseconds: 2)
                record = try readStatus(directory + "/status")
            }
            let started = try #require(record)
            shims.append(ShimWatcher.Shim(pid: started.shimPID, directory: directory))
        }

        let reports = Reports()
        let watcher = try ShimWatcher { reports.add($0) }
        let running = Task { try await watcher.run() }
        defer { running.cancel() }
        watcher.watch(shims)
        #expect(watcher.watching == Set(shims))

        let victims = [shims[0], shims[137], shims[249]]
        for victim in victims { try Posix.kill(victim.pid, SIGKILL) }
        #expect(Set(await reports.waitFor(count: 3)) == Set(victims))
        #expect(watcher.watching == Set(shims).subtracting(victims))

        // A shim already gone (reported above: a zombie init has yet to reap, ESRCH, or a stranger's pid by now), and
        // a pid now held by a stranger whose directory's lock is free: both are reported at once, neither is watched.
        let stranger = ShimWatcher.Shim(pid: Posix.getpid(), directory: victims[1].directory)
        let gone = ShimWatcher.Shim(pid: victims[0].pid, directory: victims[0].directory)
        watcher.watch(shims.filter { !victims.contains($0) } + [stranger, gone])
        let again = await reports.waitFor(count: 5)
        #expect(again.count == 5 && Set(again) == Set(victims + [stranger]), "\(again)")
        #expect(watcher.watching == Set(shims).subtracting(victims))

        // Shims that leave the set are no longer reported.
        let kept = Array(shims[1..<100].filter { !victims.contains($0) })
        watcher.watch(kept)
        #expect(watcher.watching == Set(kept))
        try Posix.kill(shims[200].pid, SIGKILL)
        #expect(try Posix.waitForExit(pid: shims[200].pid, milliseconds: 10_000))
        try Posix.kill(kept[0].pid, SIGKILL)
        let last = await reports.waitFor(count: 6)
        #expect(last.count == 6 && last.last == kept[0] && !last.contains(shims[200]), "\(last)")
    }

    func readStatus(_ path: String) throws -> StatusRecord? {
        guard let bytes = try? Posix.readFile(path) else { return nil }
        return StatusRecord(decoding: String(decoding: bytes, as: UTF8.self))
    }

    /// Every process whose process group is `pgid`.
    func processes(inGroup pgid: Int32) -> [ProcessIdentity] {
        ((try? Posix.listDirectory("/proc")) ?? []).compactMap { Int32($0) }.compactMap { pid in
            guard let fields = ProcessIdentity.statFields(pid), fields.count > 19, fields[2] == "\(pgid)" else {
                return nil
            }
            return ProcessIdentity(pid: pid)
        }
    }
}

/// A process named by its pid and its start time (`/proc/PID/stat` field 22), so that a reused pid is never taken
/// for it.
struct ProcessIdentity: CustomStringConvertible {
    let pid: Int32
    let start: String

    init?(pid: Int32) {
        guard let fields = Self.statFields(pid), fields.count > 19 else { return nil }
        self.pid = pid
        start = String(fields[19])
    }

    /// Whether this very process still runs (a zombie does not).
    var isRunning: Bool {
        guard let fields = Self.statFields(pid), fields.count > 19 else { return false }
        return fields[19] == start && fields[0] != "Z"
    }

    var description: String { "process \(pid) (started at tick \(start))" }

    /// The fields of `/proc/PID/stat` after the command name, from field 3 (state) on.
    static func statFields(_ pid: Int32) -> [Substring]? {
        guard let bytes = try? Posix.readFile("/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }
}

/// The shims a `ShimWatcher` reported, collected from its thread.
final class Reports: @unchecked Sendable {
    // `@unchecked Sendable`: everything below is guarded by `lock`.
    private let lock = NSLock()
    private var seen: [ShimWatcher.Shim] = []
    /// Each `waitFor` suspended, by ticket, with the count it awaits.
    private var waiters: [Int: (count: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var nextTicket = 0

    func add(_ shim: ShimWatcher.Shim) {
        let ready = lock.withLock {
            seen.append(shim)
            let ready = waiters.filter { $0.value.count <= seen.count }
            for ticket in ready.keys { waiters[ticket] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Awaits reports until there are `count` (30 s at most), then returns them all. It suspends, never blocks a
    /// thread of the cooperative pool, on which the reports arrive.
    func waitFor(count: Int) async -> [ShimWatcher.Shim] {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.arrival(of: count) }
            group.addTask { try? await Task.sleep(for: .seconds(30)) }
            _ = await group.next()
            group.cancelAll()
        }
        return lock.withLock { seen }
    }

    /// Returns once there are `count` reports, or at once when the task is cancelled.
    private func arrival(of count: Int) async {
        let ticket = lock.withLock {
            nextTicket += 1
            return nextTicket
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = lock.withLock {
                    guard seen.count < count && !Task.isCancelled else { return true }
                    waiters[ticket] = (count, continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            lock.withLock { waiters.removeValue(forKey: ticket) }?.continuation.resume()
        }
    }
}
