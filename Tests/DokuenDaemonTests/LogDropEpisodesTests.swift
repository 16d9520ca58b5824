import Testing

@testable import DokuenDaemon

/// One `log.dropped` event per episode of a shim dropping log output, not one per status change.
@Suite struct LogDropEpisodesTests {
    static let web = "/srv/dokuen/run/svc/blog/web.1@v3"
    static let worker = "/srv/dokuen/run/svc/blog/worker.1@v3"

    @Test func oneEventPerEpisode() {
        var episodes = LogDropEpisodes()
        #expect(!episodes.startsEpisode(directory: Self.web, dropping: false))
        #expect(episodes.startsEpisode(directory: Self.web, dropping: true))
        // The count grows on every read of the pipe: the same episode.
        #expect(!episodes.startsEpisode(directory: Self.web, dropping: true))
        #expect(!episodes.startsEpisode(directory: Self.web, dropping: true))
        // The marker is written: the episode is over, and the next drop starts another.
        #expect(!episodes.startsEpisode(directory: Self.web, dropping: false))
        #expect(episodes.startsEpisode(directory: Self.web, dropping: true))
    }

    @Test func instancesHaveEpisodesOfTheirOwn() {
        var episodes = LogDropEpisodes()
        #expect(episodes.startsEpisode(directory: Self.web, dropping: true))
        #expect(episodes.startsEpisode(directory: Self.worker, dropping: true))
        #expect(!episodes.startsEpisode(directory: Self.web, dropping: true))
    }

    /// A removed instance is forgotten: a later shim in the same directory starts afresh.
    @Test func aRemovedInstanceIsForgotten() {
        var episodes = LogDropEpisodes()
        #expect(episodes.startsEpisode(directory: Self.web, dropping: true))
        episodes.forget(directory: Self.web)
        #expect(episodes.startsEpisode(directory: Self.web, dropping: true))
    }
}
