import DokuenCore
import Synchronization
import Testing

@testable import DokuenStore

/// Alert channels and episodes in the store (docs/ALERTS.md).
@Suite(.timeLimit(.minutes(1))) struct StoreNotifyTests {
    @Test func channelsAreAddedOnceFailAndRecover() async throws {
        try await withStore { store, _ in
            let added = try #require(
                try await store.addNotifyChannel(kind: "webhook", target: "http://127.0.0.1:9/x", actor: "alice"))
            #expect(
                try await store.addNotifyChannel(kind: "webhook", target: "http://127.0.0.1:9/x", actor: "a") == nil)
            try await store.recordNotifyDelivery(id: added.id, error: "curl exited 7", nextRetryAt: testNow + 60)
            try await store.recordNotifyDelivery(id: added.id, error: "curl exited 7", nextRetryAt: testNow + 180)
            var channel = try #require(try await store.notifyChannels().first)
            #expect(channel.failures == 2 && channel.failingSince == testNow && channel.nextRetryAt == testNow + 180)
            try await store.recordNotifyDelivery(id: added.id, error: nil, nextRetryAt: nil)
            channel = try #require(try await store.notifyChannels().first)
            #expect(channel.failures == 0 && channel.failingSince == nil && channel.lastError == nil)
            #expect(try await store.removeNotifyChannel(id: added.id, actor: "alice")?.target == "http://127.0.0.1:9/x")
            #expect(try await store.removeNotifyChannel(id: added.id, actor: "alice") == nil)
            #expect(try await store.events().map(\.action).prefix(2) == ["notify.remove", "notify.add"])
        }
    }

    @Test func theSchemaRefusesWhatTheBoundaryRefuses() async throws {
        try await withStore { store, _ in
            for target in ["http://x/a b", "http://x/a;b", "http://x/\"", "a\nb@example.com"] {
                await #expect(throws: StoreError.self) {
                    try await store.addNotifyChannel(kind: "webhook", target: target, actor: "a")
                }
            }
            await #expect(throws: StoreError.self) {
                try await store.addNotifyChannel(kind: "sms", target: "ops@example.com", actor: "a")
            }
        }
    }

    @Test func episodesOpenAndClose() async throws {
        try await withStore { store, _ in
            let episode = AlertEpisodeRecord(
                key: "deploy.failed:blog", alert: "deploy.failed", app: appName("blog"), summary: "failed",
                action: "fix", openedAt: 5)
            try await store.openAlertEpisode(episode)
            try await store.openAlertEpisode(episode)
            #expect(try await store.alertEpisodes() == [episode])
            try await store.closeAlertEpisode(key: episode.key)
            #expect(try await store.alertEpisodes().isEmpty)
        }
    }

    @Test func theObserverIsToldOfEveryEvent() async throws {
        try await withStore { store, _ in
            let seen = Seen()
            await store.observeEvents { event in seen.add(event.action) }
            _ = try await store.addNotifyChannel(kind: "email", target: "ops@example.com", actor: "a")
            try await store.appendEvent(actor: "a", app: nil, action: "daemon.start")
            #expect(seen.actions == ["notify.add", "daemon.start"])
        }
    }
}

/// What an observer saw, from any thread.
final class Seen: Sendable {
    private let storage = Mutex<[String]>([])
    func add(_ action: String) { storage.withLock { $0.append(action) } }
    var actions: [String] { storage.withLock { $0 } }
}
