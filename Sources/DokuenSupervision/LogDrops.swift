/// What the shim's log writer lost while the disk refused its writes, and the line it owes the log once writing
/// works again (docs/SHIM.md, Logs). The writer never waits for room: the child must not stall, so what cannot be
/// written is dropped and counted here. An episode starts with the first refused byte and ends when the marker line
/// `dokuen-shim: N bytes (M lines) dropped while the disk was full` is written whole, before the output that
/// follows. No imports, so that the shim's Embedded twin builds it; the writes themselves are the shim's.
public struct LogDrops: Equatable, Sendable {
    /// Every byte dropped over the shim's life: `dropped_bytes` in `status`.
    public private(set) var totalBytes: Int64 = 0
    /// Bytes dropped in the current episode.
    public private(set) var bytes: Int64 = 0
    /// Lines lost in the current episode, wholly or in part (the newlines among the dropped bytes).
    public private(set) var lines: Int64 = 0
    /// An episode is on: writes are failing, and the marker is not written yet.
    public private(set) var dropping = false
    /// Some failure of the episode was not a full disk or quota (EIO, EFBIG…).
    public private(set) var otherFailure = false
    /// The log ends inside a line (a write was cut short), so the marker must start on a line of its own.
    public private(set) var midLine = false

    public init() {}

    /// Records one write of `chunk`, of which the first `written` bytes reached the file; `diskFull` says whether
    /// the failure, if any, was ENOSPC or EDQUOT.
    public mutating func wrote(_ chunk: some Collection<UInt8>, written: Int, diskFull: Bool = true) {
        let count = chunk.count
        if written > 0 { midLine = chunk.dropFirst(written - 1).first != 0x0A }
        guard written < count else { return }
        let lost = Int64(count - written)
        totalBytes += lost
        bytes += lost
        for byte in chunk.dropFirst(written) where byte == 0x0A { lines += 1 }
        if !diskFull { otherFailure = true }
        dropping = true
    }

    /// The line to write before anything else once the disk takes writes again, with `prefix` (the log's timestamp,
    /// or nothing) before its text. Empty when nothing is owed.
    public func marker(prefix: [UInt8] = []) -> [UInt8] {
        guard dropping else { return [] }
        var text = "dokuen-shim: " + String(bytes) + (bytes == 1 ? " byte (" : " bytes (") + String(lines)
        text += lines == 1 ? " line) dropped" : " lines) dropped"
        text += otherFailure ? " while the log could not be written\n" : " while the disk was full\n"
        var line: [UInt8] = midLine ? [0x0A] : []
        line.append(contentsOf: prefix)
        line.append(contentsOf: text.utf8)
        return line
    }

    /// Records the write of `marker`: written whole, it ends the episode (true); cut short, the episode goes on
    /// and the next marker starts on a new line. The marker's own bytes are never counted as dropped.
    public mutating func wroteMarker(_ marker: [UInt8], written: Int) -> Bool {
        if written < marker.count {
            if written > 0 { midLine = marker[written - 1] != 0x0A }
            return false
        }
        bytes = 0
        lines = 0
        dropping = false
        otherFailure = false
        midLine = false
        return true
    }
}
