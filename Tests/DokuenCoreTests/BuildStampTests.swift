import Testing

@testable import DokuenCore

@Suite struct BuildStampTests {
    @Test(arguments: [
        (0 as Int64, "19700101T000000.000000Z"),
        (1_795_152_063_004_211, "20261120T052103.004211Z"),
        (951_782_400_000_000, "20000229T000000.000000Z"),
        (253_402_300_799_999_999, "99991231T235959.999999Z"),
    ])
    func formatsAndParses(_ microseconds: Int64, _ text: String) throws {
        let stamp = try BuildStamp(microsecondsSinceEpoch: microseconds)
        #expect(stamp.description == text)
        #expect(try BuildStamp(text) == stamp)
    }

    /// Fixed-width names sort as strings exactly as the times sort.
    @Test func namesSortChronologically() throws {
        var random = SplitMix64(seed: 7)
        let stamps = try (0..<500).map { _ in
            try BuildStamp(microsecondsSinceEpoch: Int64(random.next() % UInt64(BuildStamp.validRange.upperBound)))
        }
        #expect(stamps.sorted().map(\.description) == stamps.map(\.description).sorted())
        for stamp in stamps { #expect(try BuildStamp(stamp.description) == stamp) }
    }

    @Test(arguments: [
        "20261122T052103Z", "20261122T052103.123456", "2026112xT052103.123456Z", "20261322T052103.123456Z",
        "20260230T000000.000000Z", "20261122T246103.123456Z", "19691231T235959.999999Z", "../../etc/passwd",
        "20261122T052103.123456Z/", "",
    ])
    func rejects(_ text: String) {
        #expect(throws: CoreError.self) { try BuildStamp(text) }
    }

    @Test func successorIsNextMicrosecond() throws {
        #expect(try BuildStamp("20261122T052103.999999Z").successor.description == "20261122T052104.000000Z")
    }
}
