import DokuenSupervision
import Testing

/// The restart delays, and the defaults docs/SHIM.md documents for them.
@Suite struct BackoffTests {
    @Test func defaultsAreTheDocumentedOnes() {
        let backoff = Backoff()
        #expect(backoff.initial == 1_000)
        #expect(backoff.maximum == 60_000)
        #expect(backoff.stableAfter == 30_000)
        #expect(backoff.fatalAfter == 10)
        #expect(backoff.fatalRetry == 300_000)
    }

    /// With the defaults: immediate, then 1 s doubling to the 60 s cap.
    @Test(
        arguments: [
            (Int.min, 0), (-1, 0), (0, 0), (1, 0), (2, 1_000), (3, 2_000), (4, 4_000), (5, 8_000), (6, 16_000),
            (7, 32_000), (8, 60_000), (9, 60_000), (10, 60_000), (1_000, 60_000), (Int.max, 60_000),
        ] as [(Int, Int64)])
    func defaultDelay(failures: Int, delay: Int64) {
        #expect(Backoff().delay(failures: failures) == delay)
    }

    @Test(
        arguments: [
            (300, 1_000, [0, 0, 300, 600, 1_000, 1_000]),
            (1_000, 1_000, [0, 0, 1_000, 1_000, 1_000, 1_000]),
            (5_000, 1_000, [0, 0, 1_000, 1_000, 1_000, 1_000]),
            (0, 1_000, [0, 0, 0, 0, 0, 0]),
            (1, 4, [0, 0, 1, 2, 4, 4]),
            (7, 100, [0, 0, 7, 14, 28, 56, 100, 100]),
        ] as [(Int64, Int64, [Int64])])
    func configuredDelays(initial: Int64, maximum: Int64, delays: [Int64]) {
        var backoff = Backoff()
        backoff.initial = initial
        backoff.maximum = maximum
        #expect((0..<delays.count).map { backoff.delay(failures: $0) } == delays)
    }

    /// A huge failure count must neither loop for long nor overflow.
    @Test func largeCountsStayAtTheCap() {
        var backoff = Backoff()
        backoff.initial = 1
        backoff.maximum = 1 << 40
        #expect(backoff.delay(failures: 42) == 1 << 40)
        #expect(backoff.delay(failures: 41) == 1 << 39)
        #expect(backoff.delay(failures: Int.max) == 1 << 40)
    }

    /// The machine's other settings default to the command line's documented defaults.
    @Test func machineSettingsDefaultsAreTheDocumentedOnes() {
        let settings = ShimMachine.Settings()
        #expect(settings.restart == .always)
        #expect(settings.backoff == Backoff())
        #expect(settings.stopSignal == Signals.terminate)
        #expect(settings.stopTimeout == 30_000)
        #expect(settings.readiness == .upFor(1_000))
        #expect(settings.startTimeout == 60_000)
        #expect(settings.startDown == false)
        #expect(settings.killGrace == 5_000)
        #expect(settings.probeInterval == 100)
    }
}
