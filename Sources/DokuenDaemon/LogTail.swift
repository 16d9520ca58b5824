import DokuenCore
import DokuenPosix

/// The end of an instance's log, for a deploy whose instance did not start (docs/DESIGN.md §2): why it failed is
/// usually its last lines (`sh: 1: gunicorn: not found`). Only the last `maxBytes` of the file are read, and only
/// lines written since the cutover began are kept: during a cutover the old instance of the slot appends to the
/// same file.
enum LogTail {
    /// The most bytes read from the end of a log.
    static let maxBytes = 16 * 1024
    /// The most lines shown.
    static let maxLines = 10
    /// The longest line shown, in characters; longer ones are cut.
    static let maxLineLength = 240

    /// The last lines of the log at `path` written at or after `sinceMilliseconds` (UTC ms), without their
    /// timestamps; empty when the file cannot be read.
    static func read(_ path: String, sinceMilliseconds: Int64) -> [String] {
        guard let fd = try? Posix.open(path, .readOnly) else { return [] }
        defer { Posix.close(fd) }
        guard let size = try? Posix.fstat(fd, path: path).size else { return [] }
        let start = max(0, size - Int64(maxBytes))
        var buffer = [UInt8](repeating: 0, count: Int(size - start))
        guard !buffer.isEmpty, let got = try? Posix.read(fd, into: &buffer, at: start, path: path) else { return [] }
        return lines(
            Array(buffer.prefix(got)), fromStart: start == 0, since: stamp(milliseconds: sinceMilliseconds))
    }

    /// The last `maxLines` whole lines of `bytes` (the end of a log; `fromStart` when it is the whole file) whose
    /// timestamp is `since` or later, timestamps removed. A line without a timestamp goes with the line before it;
    /// the first line of a chunk that does not start the file is cut and dropped.
    static func lines(_ bytes: [UInt8], fromStart: Bool, since: String) -> [String] {
        var pieces = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if bytes.last == 0x0A { pieces.removeLast() }
        if !fromStart, !pieces.isEmpty { pieces.removeFirst() }
        var kept: [String] = []
        var keeping = false
        let width = LogFollower.timestampWidth
        for piece in pieces {
            let line = Array(piece)
            var text = line
            if LogFollower.hasTimestamp(line) {
                keeping = String(decoding: line[..<(width - 1)], as: UTF8.self) >= since
                text = Array(line[width...])
            }
            guard keeping else { continue }
            kept.append(shown(String(decoding: text, as: UTF8.self)))
        }
        return Array(kept.suffix(maxLines))
    }

    /// `text` cut to `maxLineLength` scalars (with `…`), every control character but a tab as `?`: a log line goes
    /// to the user's terminal, and must not drive it.
    static func shown(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(maxLineLength) {
            let control = (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
            out.unicodeScalars.append(control ? "?" : scalar)
        }
        return text.unicodeScalars.count > maxLineLength ? out + "…" : out
    }

    /// The shim's timestamp of a time: `2026-11-22T05:36:13.123Z`, fixed width, so text order is time order.
    static func stamp(milliseconds: Int64) -> String {
        // UTCTime's `2026-11-22 05:36:13 UTC`, with the separators the shim writes.
        let text = UTCTime.text(milliseconds / 1000)
        let fraction = String(1000 + milliseconds % 1000).dropFirst()
        return String(text.prefix(10)) + "T" + String(text.dropFirst(11).prefix(8)) + "." + String(fraction) + "Z"
    }
}
