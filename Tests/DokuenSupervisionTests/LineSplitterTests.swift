import DokuenSupervision
import Testing

/// Lines come out whole whatever the chunks: the shim's control FIFO and the CLI's NDJSON stream both rely on it.
@Suite struct LineSplitterTests {
    @Test func chunksAreSplitIntoWholeLines() {
        var splitter = LineSplitter()
        #expect(splitter.feed(Array("u\nd".utf8)) == [Array("u".utf8)])
        #expect(splitter.feed(Array("own\n\nx".utf8)) == [Array("down".utf8), []])
        #expect(splitter.remainder == Array("x".utf8))
    }

    @Test func aChunkWithoutANewlineWaits() {
        var splitter = LineSplitter()
        #expect(splitter.feed(Array("partial".utf8)).isEmpty)
        #expect(splitter.feed([0x0A]) == [Array("partial".utf8)])
        #expect(splitter.remainder.isEmpty)
    }
}
