/// Splits a byte stream into lines as it arrives: `\n` ends a line, a `\r` before it is dropped, and bytes that
/// are not UTF-8 become U+FFFD. A line longer than `maxLineBytes` is cut into pieces, so a program that never
/// prints a newline cannot grow memory without bound. `finish()` returns the last line when it had no newline
/// (docs/STACK-NOTES.md §4.5: that line must not be lost).
public struct OutputLines: Sendable {
    public static let maxLineBytes = 16_384
    private var pending: [UInt8] = []

    public init() {}

    /// The lines completed by `bytes`.
    public mutating func append(_ bytes: some Collection<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(Self.text(pending))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count >= Self.maxLineBytes {
                    lines.append(Self.text(pending))
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
        return lines
    }

    /// The unterminated last line, if any; the splitter is empty afterwards.
    public mutating func finish() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : Self.text(pending)
    }

    private static func text(_ bytes: [UInt8]) -> String {
        var line = bytes[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return String(decoding: line, as: UTF8.self)
    }
}
