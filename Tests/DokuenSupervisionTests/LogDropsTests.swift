import DokuenSupervision
import Testing

/// The log writer's account of a full disk: what it counts while writes fail, and the marker line it owes the log
/// when they work again.
@Suite struct LogDropsTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func wholeWritesOweNothing() {
        var drops = LogDrops()
        drops.wrote(Self.bytes("one\ntwo\n"), written: 8)
        #expect(drops == LogDrops())
        #expect(drops.marker().isEmpty)
    }

    @Test func aRefusedWriteCountsBytesAndLines() {
        var drops = LogDrops()
        drops.wrote(Self.bytes("one\ntwo\n"), written: 0)
        drops.wrote(Self.bytes("three\n"), written: 0)
        #expect(drops.dropping)
        #expect(drops.totalBytes == 14 && drops.bytes == 14 && drops.lines == 3)
        #expect(
            drops.marker() == Self.bytes("dokuen-shim: 14 bytes (3 lines) dropped while the disk was full\n"))
    }

    @Test func theMarkerTakesTheLogsTimestamp() {
        var drops = LogDrops()
        drops.wrote(Self.bytes("x\n"), written: 0)
        let stamp = Self.bytes("2026-11-22T05:36:13.123Z ")
        #expect(
            drops.marker(prefix: stamp)
                == stamp + Self.bytes("dokuen-shim: 2 bytes (1 line) dropped while the disk was full\n"))
    }

    /// A write cut short leaves the log inside a line: the marker starts on a line of its own, and the line cut
    /// counts as lost.
    @Test func aWriteCutShortInALineMakesTheMarkerStartANewLine() {
        var drops = LogDrops()
        drops.wrote(Self.bytes("one\ntwo\n"), written: 6)
        #expect(drops.midLine && drops.bytes == 2 && drops.lines == 1)
        #expect(drops.marker().first == 0x0A)
        // Cut at a line's end: the log ends whole.
        var atEnd = LogDrops()
        atEnd.wrote(Self.bytes("one\ntwo\n"), written: 4)
        #expect(!atEnd.midLine && atEnd.bytes == 4)
        #expect(atEnd.marker().first == UInt8(ascii: "d"))
    }

    @Test func theMarkerWrittenWholeEndsTheEpisodeButNotTheTotal() {
        var drops = LogDrops()
        drops.wrote(Self.bytes("one\n"), written: 0)
        let marker = drops.marker()
        let ended = drops.wroteMarker(marker, written: marker.count)
        #expect(ended)
        #expect(!drops.dropping && drops.bytes == 0 && drops.lines == 0 && drops.totalBytes == 4)
        #expect(drops.marker().isEmpty)
        // A later episode counts afresh; the total goes on.
        drops.wrote(Self.bytes("two\n"), written: 0)
        #expect(drops.bytes == 4 && drops.totalBytes == 8)
    }

    @Test func aMarkerCutShortKeepsTheEpisodeAndStartsTheNextOnANewLine() {
        var drops = LogDrops()
        drops.wrote(Self.bytes("one\n"), written: 0)
        let marker = drops.marker()
        let cut = drops.wroteMarker(marker, written: 5)
        #expect(!cut)
        #expect(drops.dropping && drops.midLine && drops.bytes == 4)
        // Refused outright, it changes nothing.
        let refused = drops.wroteMarker(drops.marker(), written: 0)
        #expect(!refused)
        #expect(drops.dropping && drops.midLine)
        #expect(drops.marker().first == 0x0A)
    }

    @Test func anotherFailureIsNamedAsSuch() {
        var drops = LogDrops()
        drops.wrote(Self.bytes("one\n"), written: 0, diskFull: false)
        #expect(
            drops.marker() == Self.bytes("dokuen-shim: 4 bytes (1 line) dropped while the log could not be written\n"))
    }
}
