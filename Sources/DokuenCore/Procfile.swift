/// A Procfile, parsed the way Heroku, foreman and honcho read one: each line is `name: command`, with
/// names `[A-Za-z0-9_-]{1,63}`. Blank lines, `#` comment lines, every line end (`lines(_:)`) and a UTF-8 BOM are accepted,
/// and a command may contain colons. Unlike foreman, which skips lines it cannot parse, every bad line is an
/// error naming its line number, and so is a second definition of a type.
public struct Procfile: Equatable, Sendable {
    /// One process type and its shell command, in file order.
    public struct Entry: Equatable, Sendable {
        public let type: ProcessType
        public let command: String

        public init(type: ProcessType, command: String) {
            self.type = type
            self.command = command
        }
    }

    public let entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// The command of `type`, if the Procfile defines it.
    public subscript(type: ProcessType) -> String? { entries.first { $0.type == type }?.command }

    public var types: [ProcessType] { entries.map(\.type) }

    /// Parses the bytes of a Procfile.
    public static func parse(_ bytes: some Collection<UInt8>) throws(CoreError) -> Procfile {
        guard let text = String(validating: Array(bytes), as: UTF8.self) else {
            throw .procfile(line: firstInvalidUTF8Line(Array(bytes)), reason: "it is not valid UTF-8")
        }
        return try parse(text)
    }

    /// Parses the text of a Procfile.
    public static func parse(_ text: String) throws(CoreError) -> Procfile {
        var entries: [Entry] = []
        var firstLine: [ProcessType: Int] = [:]
        var portVariableLine: [String: (ProcessType, Int)] = [:]
        let body = text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
        for (offset, line) in lines(body).enumerated() {
            let number = offset + 1
            let trimmed = line.trimmingSpacesAndTabs()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }

            guard let colon = trimmed.firstIndex(of: ":") else {
                throw .procfile(line: number, reason: "expected 'name: command', found no ':'")
            }
            let name = String(trimmed[..<colon])
            if let reason = ProcessType.rejection(of: name) {
                throw .procfile(line: number, reason: "process type \(Quoting.quoted(name)) is invalid: \(reason)")
            }
            if name.hasPrefix("-") {
                // `ps scale blog -y=2` could not name it: ArgumentParser, like any getopt, reads an option. Checked
                // here, at the boundary, not in ProcessType: a release that has one already keeps working.
                throw .procfile(
                    line: number,
                    reason: "process type \(Quoting.quoted(name)) is invalid: it starts with '-', "
                        + "which a command line reads as an option")
            }
            let type = try ProcessType(name)
            let command = String(trimmed[trimmed.index(after: colon)...]).trimmingSpacesAndTabs()
            if command.isEmpty { throw .procfile(line: number, reason: "process type '\(type)' has no command") }
            if command.unicodeScalars.contains("\0") {
                throw .procfile(line: number, reason: "the command of '\(type)' contains a NUL byte")
            }
            if let first = firstLine[type] {
                throw .procfile(
                    line: number, reason: "process type '\(type)' is already defined on line \(first)")
            }
            if let (other, otherLine) = portVariableLine[type.portVariable] {
                throw .procfile(
                    line: number,
                    reason: "process type '\(type)' collides with '\(other)' on line \(otherLine): "
                        + "both would be \(type.portVariable)")
            }
            firstLine[type] = number
            portVariableLine[type.portVariable] = (type, number)
            entries.append(Entry(type: type, command: command))
        }
        return Procfile(entries: entries)
    }

    /// The lines of `text`. LF, CRLF, a lone CR (old Mac OS), NEL (U+0085) and the Unicode line and paragraph
    /// separators (U+2028, U+2029) each end a line, so an editor's odd line ends never join two types into one
    /// long command that fails only at run time.
    static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var afterCR = false
        for scalar in text.unicodeScalars {
            defer { afterCR = scalar == "\r" }
            switch scalar {
            case "\n" where afterCR: continue  // the second half of CRLF
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                lines.append(String(line))
                line = String.UnicodeScalarView()
            default: line.append(scalar)
            }
        }
        lines.append(String(line))
        return lines
    }

    /// The canonical text of this Procfile: one `name: command` line per entry.
    public func rendered() -> String {
        entries.map { "\($0.type): \($0.command)\n" }.joined()
    }

    private static func firstInvalidUTF8Line(_ bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        // Lines end as in `lines(_:)`; the Unicode separators need valid UTF-8 to be seen, so LF and CR count here.
        for (index, byte) in bytes.enumerated()
        where byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && bytes.dropFirst(index + 1).first != 10) {
            if String(validating: bytes[start..<index], as: UTF8.self) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (only those: a command may end in other
    /// whitespace on purpose, and Foundation is not available here).
    func trimmingSpacesAndTabs() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[start...end])
    }
}
