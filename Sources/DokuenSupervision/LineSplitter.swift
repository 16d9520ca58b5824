/// Splits a byte stream that arrives in arbitrary chunks into whole lines (without the `\n`): the shim's control
/// FIFO, and the CLI's NDJSON responses read as they stream. No imports, so that the shim's Embedded twin builds it.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// The lines that `chunk` completes; a partial last line waits for the next chunk.
    public mutating func feed(_ chunk: some Collection<UInt8>) -> [[UInt8]] {
        pending.append(contentsOf: chunk)
        var lines: [[UInt8]] = []
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            lines.append(Array(pending[start..<newline]))
            start = newline + 1
        }
        pending.removeSubrange(..<start)
        return lines
    }

    /// What is left after the stream ended without a final newline.
    public var remainder: [UInt8] { pending }
}
