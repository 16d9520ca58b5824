import DokuenCore
import DokuenPosix
import DokuenStore
import TestSupport
import Testing

@testable import DokuenDaemon

/// `LivenessMonitor`'s wait (docs/DESIGN.md §2, Liveness): with nothing to probe it has no deadline and sleeps until
/// a nudge (a change the supervisor announced, a probe done) or its task's cancellation (a graceful shutdown), never
/// on a timer.
@Suite struct LivenessMonitorSleepTests {
    func withMonitor(_ body: (LivenessMonitor, InstanceSupervisor) async throws -> Void) async throws {
        let temp = try TemporaryDirectory("liveness-sleep")
        defer { temp.remove() }
        let layout = RootLayout(root: temp("root"))
        for directory in [layout.root] + layout.directories { try Posix.mkdir(directory, existingOK: true) }
        let store = try Store.open(path: layout.database)
        let supervisor = InstanceSupervisor(
            layout: layout, store: store, shimPath: temp("no-shim"),
            accounts: AppAccounts(layout: layout, isolated: false))
        let monitor = LivenessMonitor(layout: layout, store: store, supervisor: supervisor)
        do { try await body(monitor, supervisor) } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test(.timeLimit(.minutes(1))) func withNothingToProbeItHasNoDeadline() async throws {
        try await withMonitor { monitor, _ in
            await monitor.tick()
            #expect(await monitor.nextDue() == nil)
        }
    }

    @Test(.timeLimit(.minutes(1))) func aNudgeEndsTheSleepAndOneGivenBeforeItIsNotLost() async throws {
        try await withMonitor { monitor, _ in
            await monitor.nudge()
            let began = ContinuousClock.now
            await monitor.sleep(until: nil)  // returns at once: the nudge came before
            let sleeper = Task { await monitor.sleep(until: nil) }
            await monitor.untilSleeping()
            await monitor.nudge()
            await sleeper.value
            #expect(ContinuousClock.now - began < .seconds(10))
        }
    }

    @Test(.timeLimit(.minutes(1))) func aCancelledSleepEndsAtOnce() async throws {
        try await withMonitor { monitor, _ in
            let began = ContinuousClock.now
            let sleeper = Task { await monitor.sleep(until: ContinuousClock.now.advanced(by: .seconds(60))) }
            await monitor.untilSleeping()
            sleeper.cancel()
            await sleeper.value
            #expect(ContinuousClock.now - began < .seconds(10))
        }
    }

    /// The whole service stops at once when its task is cancelled, though it has nothing to probe and so no
    /// deadline (with a once-a-second tick, it ended only at the next tick).
    @Test(.timeLimit(.minutes(1))) func theServiceStopsAtOnceWhenCancelled() async throws {
        try await withMonitor { monitor, supervisor in
            let service = Task { try await monitor.run() }
            // Both of its waits really wait: its own sleep, and the wait for the supervisor's next change.
            await monitor.untilSleeping()
            await supervisor.untilWaiting(1)
            let began = ContinuousClock.now
            service.cancel()
            _ = try? await service.value
            #expect(ContinuousClock.now - began < .seconds(5))
        }
    }
}
