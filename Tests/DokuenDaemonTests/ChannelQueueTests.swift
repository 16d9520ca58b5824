import Testing

@testable import DokuenDaemon

/// One channel's pacing and retries (docs/ALERTS.md): at most 5 sends in 10 minutes, the fifth carrying what waits as
/// one summary; a failure keeps the message and retries after 1 minute, doubling up to an hour.
@Suite struct ChannelQueueTests {
    static func message(_ number: Int) -> AlertMessage {
        AlertMessage(
            alert: "deploy.failed", status: "firing", app: "app\(number)", summary: "deploy \(number) failed",
            action: "fix it", at: "2026-12-05T06:00:00Z")
    }

    @Test func aStormBecomesOneSummary() {
        var queue = ChannelQueue()
        #expect(queue.next(at: 0) == .idle)
        for number in 1...20 { queue.enqueue(Self.message(number)) }
        for number in 1...4 {
            #expect(queue.next(at: 10) == .send(Self.message(number), count: 1))
            queue.delivered(count: 1, at: 10)
        }
        guard case .send(let summary, let count) = queue.next(at: 10) else {
            Issue.record("expected a summary")
            return
        }
        #expect(count == 16 && summary.alert == "summary")
        #expect(summary.summary.hasPrefix("16 alerts at once: [firing] deploy.failed app5: deploy 5 failed;"))
        queue.delivered(count: count, at: 10)
        queue.enqueue(Self.message(21))
        #expect(queue.next(at: 11) == .wait(until: 10 + ChannelQueue.window))
        #expect(queue.next(at: 10 + ChannelQueue.window) == .send(Self.message(21), count: 1))
    }

    @Test func failuresBackOffAndKeepTheMessage() {
        var queue = ChannelQueue()
        queue.enqueue(Self.message(1))
        queue.failed(at: 100)
        #expect(queue.failures == 1 && queue.next(at: 101) == .wait(until: 160))
        queue.failed(at: 160)
        #expect(queue.next(at: 160) == .wait(until: 280))
        #expect(
            (1...10).map { ChannelQueue.retryDelay(failures: $0) } == [
                60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600,
            ])
        #expect(queue.next(at: 280) == .send(Self.message(1), count: 1))
        queue.recovered()
        #expect(queue.next(at: 200) == .send(Self.message(1), count: 1))
        queue.delivered(count: 1, at: 200)
        #expect(queue.failures == 0 && queue.nextRetryAt == nil && queue.next(at: 200) == .idle)
    }

    @Test func aFullQueueDropsTheOldest() {
        var queue = ChannelQueue()
        for number in 1...(ChannelQueue.capacity + 3) { queue.enqueue(Self.message(number)) }
        #expect(queue.pending.count == ChannelQueue.capacity && queue.dropped == 3)
        #expect(queue.pending.first == Self.message(4))
    }
}
