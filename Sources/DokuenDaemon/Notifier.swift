import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import ServiceLifecycle

/// Alerts (docs/ALERTS.md), a service of dokuend's group: it reads facts from its `feed` (the event log, the shims'
/// reports, the periodic checks), runs them through the episodes' state machine (`AlertEpisodes`), keeps open
/// episodes in the store, and hands each message to every channel's queue (`ChannelQueue`). Each channel sends on
/// a task of its own, one message at a time, so a receiver that hangs or fails holds only its own messages; a
/// failed send is retried with a backoff and the channel shows as failing in `notify list` until one succeeds.
/// Nothing here waits on a timer: the machine's deadlines and each channel's retry are sleeps until a time.
public actor Notifier: Service {
    /// Where facts go; `send` never blocks.
    public nonisolated let feed: AlertFeed
    private let facts: AsyncStream<AlertFact>
    let store: Store
    let transport: AlertTransport
    let clock: @Sendable () -> Int64
    /// The periodic conditions (disk, certificates, backups); nil: none (tests).
    let checks: AlertChecks?
    private var episodes = AlertEpisodes()
    private var channels: [Int64: NotifyChannelRecord] = [:]
    private var queues: [Int64: ChannelQueue] = [:]
    private var workers: [Int64: Task<Void, Never>] = [:]
    /// Each channel's current sleep: cancelled to wake the channel early (a new message, a test that succeeded).
    private var sleepers: [Int64: Task<Void, Never>] = [:]
    private var timer: (deadline: Int64, task: Task<Void, Never>)?
    private var loading: Task<Void, any Error>?

    public init(
        store: Store, transport: AlertTransport, checks: AlertChecks? = nil,
        clock: @escaping @Sendable () -> Int64 = Store.systemClock
    ) {
        (feed, facts) = AlertFeed.make()
        self.checks = checks
        self.store = store
        self.transport = transport
        self.clock = clock
    }

    public func run() async throws {
        // A store that cannot be read now must not stop dokuend: alerts are then sent for what happens from here on.
        do { try await load() } catch {
            DaemonLog.error("alerts", "unable to read the channels and episodes: \(error)")
        }
        let feed = feed
        await store.observeEvents { event in feed.send(.event(event)) }
        let periodic = checks.map { checks in
            let clock = clock
            // Each pass says when the next is due (a certificate's last 14 days, a backup's deadline, the next look
            // at the disk): a sleep until then, never a loop that looks every second.
            return Task {
                while !Task.isCancelled {
                    let (found, next) = await checks.pass(now: clock())
                    for fact in found { feed.send(fact) }
                    do { try await Task.sleep(for: .seconds(max(1, next - clock()))) } catch { return }
                }
            }
        }
        for await fact in facts.cancelOnGracefulShutdown() { await handle(fact) }
        periodic?.cancel()
        timer?.task.cancel()
        for worker in workers.values { worker.cancel() }
        for sleeper in sleepers.values { sleeper.cancel() }
    }

    /// Channels and open episodes from the store; each channel's sender starts.
    /// Every caller (the service's start, an API request that came first) awaits the same one load, so facts are
    /// never handled before the open episodes are in.
    private func load() async throws {
        if loading == nil {
            loading = Task {
                let open = try await store.alertEpisodes()
                let channels = try await store.notifyChannels()
                await self.loaded(open, channels)
            }
        }
        try await loading?.value
    }

    private func loaded(_ open: [AlertEpisodeRecord], _ channels: [NotifyChannelRecord]) {
        episodes = AlertEpisodes(open: open)
        for channel in channels { start(channel) }
    }

    private func start(_ channel: NotifyChannelRecord) {
        guard workers[channel.id] == nil else { return }
        channels[channel.id] = channel
        queues[channel.id] = ChannelQueue(failures: channel.failures, nextRetryAt: channel.nextRetryAt)
        let id = channel.id
        workers[id] = Task { await self.deliver(id) }
    }

    func handle(_ fact: AlertFact) async {
        let now = clock()
        for change in episodes.handle(fact, at: now) {
            let message: AlertMessage
            switch change {
            case .fired(let episode):
                message = .firing(episode, at: now)
                do { try await store.openAlertEpisode(episode) } catch {
                    DaemonLog.error("alerts", "unable to keep episode \(episode.key): \(error)")
                }
            case .resolved(let episode, let summary):
                message = .resolved(episode, summary: summary, at: now)
                do { try await store.closeAlertEpisode(key: episode.key) } catch {
                    DaemonLog.error("alerts", "unable to close episode \(episode.key): \(error)")
                }
            }
            DaemonLog.info("alerts", "\(message.status) \(message.alert): \(message.summary)")
            enqueue(message)
        }
        armTimer()
    }

    private func enqueue(_ message: AlertMessage) {
        for id in queues.keys.sorted() {
            queues[id]?.enqueue(message)
            sleepers[id]?.cancel()
        }
    }

    /// A sleep until the machine's next deadline, which sends `.tick`.
    private func armTimer() {
        guard let deadline = episodes.nextDeadline else {
            timer?.task.cancel()
            timer = nil
            return
        }
        if timer?.deadline == deadline { return }
        timer?.task.cancel()
        let feed = feed
        let seconds = max(0, deadline - clock())
        timer = (
            deadline,
            Task {
                do { try await Task.sleep(for: .seconds(seconds)) } catch { return }
                feed.send(.tick)
            }
        )
    }

    /// One channel's sender: sends what its queue says, sleeps until its retry or pace allows, and is woken early by
    /// new messages.
    private func deliver(_ id: Int64) async {
        while !Task.isCancelled {
            guard let queue = queues[id], let channel = channels[id] else { return }
            let now = clock()
            switch queue.next(at: now) {
            case .idle: await sleep(id, seconds: 86_400)
            case .wait(let until): await sleep(id, seconds: until - now)
            case .send(let message, let count):
                let error = await transport.send(message, to: channel)
                guard queues[id] != nil else { return }
                let at = clock()
                if let error {
                    queues[id]?.failed(at: at)
                    DaemonLog.error("alerts", "channel \(id) (\(channel.kind)): \(error)")
                } else {
                    queues[id]?.delivered(count: count, at: at)
                }
                try? await store.recordNotifyDelivery(id: id, error: error, nextRetryAt: queues[id]?.nextRetryAt)
            }
        }
    }

    private func sleep(_ id: Int64, seconds: Int64) async {
        let sleeper = Task<Void, Never> { try? await Task.sleep(for: .seconds(max(0, seconds))) }
        sleepers[id] = sleeper
        await sleeper.value
    }

    // MARK: - The API's side

    /// Checks and stores a channel, and starts its sender.
    func add(kind: String, target: String, actor: String) async throws -> NotifyChannel {
        let checked = try NotifyTarget.check(kind: kind, target: target)
        // Loaded first (a request may come before the service runs), so the new channel starts exactly once.
        try await load()
        guard let record = try await store.addNotifyChannel(kind: kind, target: checked, actor: actor) else {
            throw APIError(.conflict, "a \(kind) channel to \(Quoting.quoted(checked)) exists already")
        }
        start(record)
        return wire(record)
    }

    /// Every channel with its state.
    func list() async throws -> [NotifyChannel] {
        try await store.notifyChannels().map(wire)
    }

    /// Removes channel `id` and stops its sender (what waited for it is dropped).
    func remove(id: Int64, actor: String) async throws -> NotifyChannel {
        guard let record = try await store.removeNotifyChannel(id: id, actor: actor) else {
            throw APIError(.notFound, "no alert channel \(id) (dokuen notify list shows them)")
        }
        workers.removeValue(forKey: id)?.cancel()
        sleepers.removeValue(forKey: id)?.cancel()
        queues[id] = nil
        channels[id] = nil
        return wire(record)
    }

    /// Sends a test message now to channel `id` (nil: every channel), outside the queues; a success ends a
    /// channel's failing state and wakes its queue.
    func test(id: Int64?) async throws -> [NotifyTestResult] {
        var targets = try await store.notifyChannels()
        if let id {
            targets = targets.filter { $0.id == id }
            guard !targets.isEmpty else {
                throw APIError(.notFound, "no alert channel \(id) (dokuen notify list shows them)")
            }
        }
        let now = clock()
        let message = AlertMessage(
            alert: "test", status: "firing", app: nil, summary: "A test message from dokuen notify test.",
            action: "Nothing: alerts reach this channel.", at: UTCTime.iso8601(now))
        let transport = transport
        let errors = await withTaskGroup(of: (Int64, String?).self) { group in
            for channel in targets { group.addTask { (channel.id, await transport.send(message, to: channel)) } }
            var errors: [Int64: String?] = [:]
            for await (id, error) in group { errors[id] = error }
            return errors
        }
        var results: [NotifyTestResult] = []
        for channel in targets {
            let error = errors[channel.id] ?? nil
            if error == nil, channel.failures > 0 || (queues[channel.id]?.failures ?? 0) > 0 {
                queues[channel.id]?.recovered()
                try? await store.recordNotifyDelivery(id: channel.id, error: nil, nextRetryAt: nil)
                sleepers[channel.id]?.cancel()
            }
            results.append(
                NotifyTestResult(
                    id: channel.id, kind: channel.kind, target: channel.target, sent: error == nil, error: error))
        }
        return results
    }

    private func wire(_ record: NotifyChannelRecord) -> NotifyChannel {
        NotifyChannel(
            id: record.id, kind: record.kind, target: record.target, failing: record.failures > 0,
            failures: record.failures, failingSince: record.failingSince, lastError: record.lastError,
            nextRetry: record.nextRetryAt, pending: queues[record.id]?.pending.count ?? 0)
    }
}
