import Testing

@testable import DokuenDaemon

/// One `log.dropped` event per episode of a shim dropping log output, not one per status change.
@Suite struct LogDropEpisodesTests {
    static let web = "/srv/dokuen/run/svc/blog/web.1@v3"
    static let worker = "/srv/dokuen/run/svc/blog/worker.1@v3"

    /// What `episodes` answers to each report in turn.
    static func answers(_ episodes: inout LogDropEpisodes, _ reports: [(String, Bool)]) -> [Bool] {
        reports.map { episodes.startsEpisode(directory: $0.0, dropping: $0.1) }
    }

    @Test func oneEventPerEpisode() {
        var episodes = LogDropEpisodes()
        // Not dropping; the first drop; the count grows on every read of the pipe (the same episode); the marker is
        // written (over); the next drop starts another.
        let reports = [false, true, true, true, false, true].map { (Self.web, $0) }
        let answers = Self.answers(&episodes, reports)
        #expect(answers == [false, true, false, false, false, true])
    }

    @Test func instancesHaveEpisodesOfTheirOwn() {
        var episodes = LogDropEpisodes()
        let reports = [(Self.web, true), (Self.worker, true), (Self.web, true)]
        let answers = Self.answers(&episodes, reports)
        #expect(answers == [true, true, false])
    }

    /// A removed instance is forgotten: a later shim in the same directory starts afresh.
    @Test func aRemovedInstanceIsForgotten() {
        var episodes = LogDropEpisodes()
        let first = Self.answers(&episodes, [(Self.web, true)])
        episodes.forget(directory: Self.web)
        let again = Self.answers(&episodes, [(Self.web, true)])
        #expect(first == [true] && again == [true])
    }
}
