import DokuenCore
import DokuenStore
import TestSupport
import Testing

@testable import DokuenDaemon

/// The alerts' periodic checks on a real store and the real root's file system (docs/ALERTS.md): the disk's fact,
/// the backup age against the schedule, and the next pass due at a deadline, not in a second.
@Suite(.timeLimit(.minutes(1))) struct AlertChecksTests {
    @Test func diskAndBackupAgeAreReadAndTheNextPassIsADeadline() async throws {
        let temp = try TemporaryDirectory("ntf-checks")
        defer { temp.remove() }
        let layout = RootLayout(root: temp.path)
        let hour: Int64 = 3600
        let now: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
        let store = try Store.open(path: temp("dokuen.sqlite"), clock: { now })
        let checks = AlertChecks(layout: layout, store: store, renewer: nil)

        // No schedule: no backup can be late.
        var (facts, next) = await checks.pass(now: now)
        #expect(facts.contains { if case .disk(temp.path, _) = $0 { true } else { false } }, "\(facts)")
        #expect(facts.contains(.backupAge(lastSuccess: nil, allowedSeconds: nil)))
        #expect(next == now + AlertChecks.diskPeriod)

        // Hourly: two missed runs and an hour of slack (3 h) since the schedule began, then since the last success.
        try await store.setBackupSchedule(
            try BackupSchedule("hourly"), retention: RetentionPolicy(), prune: false, actor: "alice")
        (facts, next) = await checks.pass(now: now)
        #expect(facts.contains(.backupAge(lastSuccess: now, allowedSeconds: 3 * hour)), "\(facts)")
        #expect(next == now + AlertChecks.diskPeriod)
        let later = now + 4 * hour
        let run = try await store.startBackupRun(trigger: "schedule", startedAt: now + hour)
        try await store.finishBackupRun(
            id: run, actor: "dokuend", durationMilliseconds: 1000, snapshotID: String(repeating: "ab", count: 32),
            totalBytes: 10, dataAdded: 1,
            error: nil, detail: "ok: snapshot 1a2b3c4d")
        let (fact, due) = await checks.backupAge(now: later)
        #expect(fact == .backupAge(lastSuccess: now + hour, allowedSeconds: 3 * hour))
        #expect(due == now + 4 * hour + 1)
        var machine = AlertEpisodes()
        #expect(machine.handle(fact, at: later).isEmpty)
        #expect(machine.handle(fact, at: due!).count == 1)
        await store.close()
    }
}
