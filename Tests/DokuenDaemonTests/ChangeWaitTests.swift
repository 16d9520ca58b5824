import DokuenCore
import DokuenPosix
import DokuenStore
import TestSupport
import Testing

@testable import DokuenDaemon

/// `InstanceSupervisor.change(after:before:)`, the wait of `GET /v1/changes` and of `LivenessMonitor`: it returns at
/// an announced change, at its deadline, and at once when its task is cancelled (a service stopping at a graceful
/// shutdown must not hang until the deadline).
@Suite struct ChangeWaitTests {
    /// Runs `body` with a supervisor on a fresh root (no shim, no apps).
    func withSupervisor(_ body: (InstanceSupervisor) async throws -> Void) async throws {
        let temp = try TemporaryDirectory("change-wait")
        defer { temp.remove() }
        let layout = RootLayout(root: temp("root"))
        for directory in [layout.root] + layout.directories { try Posix.mkdir(directory, existingOK: true) }
        let store = try Store.open(path: layout.database)
        let supervisor = InstanceSupervisor(
            layout: layout, store: store, shimPath: temp("no-shim"),
            accounts: AppAccounts(layout: layout, isolated: false))
        do { try await body(supervisor) } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test(.timeLimit(.minutes(1))) func aCancelledWaitReturnsAtOnceNotAtItsDeadline() async throws {
        try await withSupervisor { supervisor in
            let seen = await supervisor.generation
            let began = ContinuousClock.now
            let waiter = Task {
                await supervisor.change(after: seen, before: ContinuousClock.now.advanced(by: .seconds(60)))
            }
            // Cancel it once it really waits (the case below covers a cancel before the wait).
            await supervisor.untilWaiting(1)
            waiter.cancel()
            #expect(await waiter.value == seen)
            #expect(ContinuousClock.now - began < .seconds(10))
        }
    }

    @Test(.timeLimit(.minutes(1))) func aWaitCancelledBeforeItBeginsDoesNotWait() async throws {
        try await withSupervisor { supervisor in
            let seen = await supervisor.generation
            let began = ContinuousClock.now
            let waiter = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return await supervisor.change(after: seen, before: ContinuousClock.now.advanced(by: .seconds(60)))
            }
            #expect(await waiter.value == seen)
            #expect(ContinuousClock.now - began < .seconds(10))
        }
    }

    @Test(.timeLimit(.minutes(1))) func anAnnouncedChangeEndsTheWaitAndADeadlineEndsItToo() async throws {
        try await withSupervisor { supervisor in
            let seen = await supervisor.generation
            let waiter = Task {
                await supervisor.change(after: seen, before: ContinuousClock.now.advanced(by: .seconds(60)))
            }
            await supervisor.untilWaiting(1)
            try await supervisor.reconcile()  // every pass announces a change
            #expect(await waiter.value > seen)
            let now = await supervisor.generation
            let began = ContinuousClock.now
            #expect(await supervisor.change(after: now, before: began.advanced(by: .milliseconds(100))) == now)
            #expect(ContinuousClock.now - began >= .milliseconds(100))
        }
    }
}
