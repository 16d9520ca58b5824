/// A `.env` file in the foreman / python-dotenv style, for `dokuen config import`:
/// - `KEY=value` and `export KEY=value`, with optional spaces around `=`;
/// - an unquoted value ends at the line end or at a `#` that follows whitespace, and is trimmed;
/// - `'single quotes'` are literal; `"double quotes"` take `\n`, `\r`, `\t`, `\"` and `\\` escapes (any other
///   backslash is kept as written); quoted values may span lines;
/// - `#` at the start of a line, or after whitespace, starts a comment;
/// - `$VAR` is not expanded, so values round-trip exactly; a later definition of a key replaces an earlier one.
public enum DotEnv {
    /// One `KEY=value` assignment.
    public struct Variable: Equatable, Sendable {
        public let key: EnvKey
        public let value: String

        public init(key: EnvKey, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Parses `text`; the result is in file order, one entry per key.
    public static func parse(_ text: String) throws(CoreError) -> [Variable] {
        var parser = Parser(text)
        return try parser.parse()
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1

        init(_ text: String) {
            var scalars = Array(text.unicodeScalars)
            if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
            self.scalars = scalars
        }

        var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func parse() throws(CoreError) -> [Variable] {
            var variables: [Variable] = []
            var position: [EnvKey: Int] = [:]
            while true {
                skipBlanks()
                guard let scalar = current else { break }
                if isLineEnd(scalar) {
                    consumeLineEnd()
                    continue
                }
                if scalar == "#" {
                    skipToLineEnd()
                    continue
                }
                let variable = try assignment()
                if let existing = position[variable.key] {
                    variables[existing] = variable
                } else {
                    position[variable.key] = variables.count
                    variables.append(variable)
                }
            }
            return variables
        }

        mutating func assignment() throws(CoreError) -> Variable {
            let startLine = line
            var word = readWord()
            if word == "export", let next = current, next == " " || next == "\t" {
                skipBlanks()
                word = readWord()
            }
            if let reason = EnvKey.rejection(of: word) {
                throw .dotenv(line: startLine, reason: "key \(Quoting.quoted(word)) is invalid: \(reason)")
            }
            let key = try EnvKey(word)
            skipBlanks()
            guard current == "=" else {
                throw .dotenv(line: startLine, reason: "expected '=' after \(key), as in \(key)=value")
            }
            index += 1
            skipBlanks()
            let value: String
            switch current {
            case "'": value = try quotedValue(closing: "'", escapes: false, startLine: startLine)
            case "\"": value = try quotedValue(closing: "\"", escapes: true, startLine: startLine)
            default: return Variable(key: key, value: unquotedValue())
            }
            skipBlanks()
            if let scalar = current, !isLineEnd(scalar) {
                if scalar == "#" {
                    skipToLineEnd()
                } else {
                    throw .dotenv(line: line, reason: "unexpected text after the closing quote of \(key)")
                }
            }
            return Variable(key: key, value: value)
        }

        /// Reads up to the line end, stops at a `#` that follows whitespace, and trims trailing blanks.
        mutating func unquotedValue() -> String {
            var out = String.UnicodeScalarView()
            while let scalar = current, !isLineEnd(scalar) {
                if scalar == "#", out.isEmpty || out.last == " " || out.last == "\t" {
                    skipToLineEnd()
                    break
                }
                out.append(scalar)
                index += 1
            }
            while let last = out.last, last == " " || last == "\t" { out.removeLast() }
            return String(out)
        }

        mutating func quotedValue(closing: Unicode.Scalar, escapes: Bool, startLine: Int) throws(CoreError)
            -> String
        {
            index += 1
            var out = String.UnicodeScalarView()
            while let scalar = current {
                index += 1
                if scalar == closing { return String(out) }
                if scalar == "\n" { line += 1 }
                if escapes, scalar == "\\", let next = current {
                    index += 1
                    switch next {
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "\"": out.append("\"")
                    case "\\": out.append("\\")
                    default:
                        out.append("\\")
                        out.append(next)
                        if next == "\n" { line += 1 }
                    }
                    continue
                }
                out.append(scalar)
            }
            throw .dotenv(line: startLine, reason: "the quote \(closing) opened here is never closed")
        }

        mutating func readWord() -> String {
            var out = String.UnicodeScalarView()
            while let scalar = current, scalar != "=", scalar != " ", scalar != "\t", !isLineEnd(scalar) {
                out.append(scalar)
                index += 1
            }
            return String(out)
        }

        mutating func skipBlanks() {
            while let scalar = current, scalar == " " || scalar == "\t" { index += 1 }
        }

        mutating func skipToLineEnd() {
            while let scalar = current, !isLineEnd(scalar) { index += 1 }
        }

        mutating func consumeLineEnd() {
            if current == "\r" { index += 1 }
            if current == "\n" { index += 1 }
            line += 1
        }

        func isLineEnd(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\n" || (scalar == "\r" && (index + 1 == scalars.count || scalars[index + 1] == "\n"))
        }
    }
}
