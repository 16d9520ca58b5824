/// The text of a JSON file as people write it (app.json, docs/DESIGN.md §5): `//` line comments and `/* */` block
/// comments, as Dokku accepts them, and errors that say where they are (`line 3, column 5`). Pure functions of bytes,
/// no Foundation: `withoutComments` blanks every comment out byte for byte (newlines kept), so a position in the
/// result is the same position in the file; `firstError` is a small validating scan of the result (JSON's grammar,
/// RFC 8259, and valid UTF-8), and `offset(of:)` finds where the value of a key path starts, so that a decoder's
/// error, which names a path and no position, can name the line and column too.
enum JSONText {
    /// Where something is: 1-based line and column, a column counting characters (UTF-8 sequences), a tab as one.
    struct Position: Equatable, Sendable, CustomStringConvertible {
        var line: Int
        var column: Int

        var description: String { "line \(line), column \(column)" }
    }

    /// A syntax error: its byte offset and what is wrong there.
    struct Failure: Error, Equatable, Sendable {
        var offset: Int
        var message: String
    }

    /// One step of a key path: a key of an object, or an index of an array.
    enum PathKey: Equatable, Sendable {
        case key(String)
        case index(Int)
    }

    /// The deepest nesting read; deeper is an error (and no scan recurses without bound).
    static let maxDepth = 200

    /// `bytes` with every comment outside strings replaced by spaces, newlines kept. Fails on a `/*` that is never
    /// closed, at its start.
    static func withoutComments(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var result = bytes
        var index = 0
        var inString = false
        // A UTF-8 byte order mark is no JSON; blanked like a comment.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            for position in 0..<3 { result[position] = space }
            index = 3
        }
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == backslash {
                    index += 2
                    continue
                }
                if byte == quote { inString = false }
                index += 1
                continue
            }
            if byte == quote {
                inString = true
                index += 1
                continue
            }
            guard byte == slash, index + 1 < bytes.count, bytes[index + 1] == slash || bytes[index + 1] == star else {
                index += 1
                continue
            }
            let start = index
            if bytes[index + 1] == slash {
                while index < bytes.count, bytes[index] != newline {
                    result[index] = space
                    index += 1
                }
                continue
            }
            index += 2
            while index + 1 < bytes.count, !(bytes[index] == star && bytes[index + 1] == slash) { index += 1 }
            guard index + 1 < bytes.count else {
                throw Failure(offset: start, message: "a /* comment is not closed with */")
            }
            index += 2
            for position in start..<index where bytes[position] != newline { result[position] = space }
        }
        return result
    }

    /// The line and column of byte `offset` of `bytes` (the end of the text for an offset past it).
    static func position(of offset: Int, in bytes: [UInt8]) -> Position {
        var line = 1
        var column = 1
        for byte in bytes.prefix(max(0, offset)) {
            if byte == newline {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return Position(line: line, column: column)
    }

    /// The first error of `bytes` as JSON (comments already blanked), or nil when it is one valid value.
    static func firstError(_ bytes: [UInt8]) -> Failure? {
        if let invalid = invalidUTF8(bytes) { return Failure(offset: invalid, message: "the text is not valid UTF-8") }
        var scanner = Scanner(bytes: bytes, target: nil)
        do throws(Failure) {
            scanner.skipSpace()
            try scanner.value(depth: 0, path: [])
            scanner.skipSpace()
            if scanner.index < bytes.count {
                throw Failure(offset: scanner.index, message: "\(scanner.found()) after the end of the JSON value")
            }
            return nil
        } catch {
            return error
        }
    }

    /// Where the value at `path` starts in `bytes`, or nil when the text does not get that far or has no such value.
    static func offset(of path: [PathKey], in bytes: [UInt8]) -> Int? {
        var scanner = Scanner(bytes: bytes, target: path)
        scanner.skipSpace()
        do throws(Failure) { try scanner.value(depth: 0, path: []) } catch {}
        return scanner.targetOffset
    }

    /// The offset of the first byte that is not part of a valid UTF-8 sequence.
    private static func invalidUTF8(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private static let space = UInt8(ascii: " ")
    private static let newline = UInt8(ascii: "\n")
    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
    private static let slash = UInt8(ascii: "/")
    private static let star = UInt8(ascii: "*")

    /// A recursive-descent reader of one JSON value that checks the grammar and, given a target path, notes where
    /// that path's value starts.
    private struct Scanner {
        let bytes: [UInt8]
        let target: [PathKey]?
        var index = 0
        var targetOffset: Int?

        init(bytes: [UInt8], target: [PathKey]?) {
            self.bytes = bytes
            self.target = target
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        /// What is at `index`, for a message: `'x'`, a byte's value, or the end of the file.
        func found() -> String {
            guard index < bytes.count else { return "the end of the file" }
            let byte = bytes[index]
            if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            return byte < 0x80 ? "a control character" : "a non-ASCII character"
        }

        func failure(_ message: String) -> Failure { Failure(offset: index, message: message) }

        mutating func value(depth: Int, path: [PathKey]) throws(Failure) {
            if path == target, targetOffset == nil { targetOffset = index }
            guard index < bytes.count else { throw failure("expected a value, found the end of the file") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                guard depth < JSONText.maxDepth else { throw failure("nested more than \(JSONText.maxDepth) deep") }
                try object(depth: depth + 1, path: path)
            case UInt8(ascii: "["):
                guard depth < JSONText.maxDepth else { throw failure("nested more than \(JSONText.maxDepth) deep") }
                try array(depth: depth + 1, path: path)
            case quote: _ = try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: throw failure("expected a value, found \(found())")
            }
        }

        private mutating func object(depth: Int, path: [PathKey]) throws(Failure) {
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                guard index < bytes.count, bytes[index] == quote else {
                    let hint = index < bytes.count && bytes[index] == UInt8(ascii: "}") ? " (a comma too many?)" : ""
                    throw failure("expected a key in double quotes, found \(found())\(hint)")
                }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw failure("expected ':' after the key \"\(key)\", found \(found())")
                }
                index += 1
                skipSpace()
                try value(depth: depth, path: path + [.key(key)])
                skipSpace()
                guard index < bytes.count, [UInt8(ascii: ","), UInt8(ascii: "}")].contains(bytes[index]) else {
                    throw failure("expected ',' or '}' after the value of \"\(key)\", found \(found())")
                }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "}") { return }
                skipSpace()
            }
        }

        private mutating func array(depth: Int, path: [PathKey]) throws(Failure) {
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            var position = 0
            while true {
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    throw failure("expected a value, found ']' (a comma too many?)")
                }
                try value(depth: depth, path: path + [.index(position)])
                position += 1
                skipSpace()
                guard index < bytes.count, [UInt8(ascii: ","), UInt8(ascii: "]")].contains(bytes[index]) else {
                    throw failure("expected ',' or ']' after a list's item, found \(found())")
                }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "]") { return }
                skipSpace()
            }
        }

        /// A string, starting at its opening quote; returns its text (escapes decoded, for keys).
        private mutating func string() throws(Failure) -> String {
            let start = index
            index += 1
            var scalars = String.UnicodeScalarView()
            var pendingHigh: UInt32?
            var run = index
            func flush(_ end: Int) {
                if run < end {
                    scalars.append(contentsOf: String(decoding: bytes[run..<end], as: UTF8.self).unicodeScalars)
                }
            }
            while true {
                guard index < bytes.count else {
                    index = start
                    throw failure("a string is not closed with \"")
                }
                let byte = bytes[index]
                if byte == quote {
                    flush(index)
                    index += 1
                    return String(scalars)
                }
                if byte < 0x20 {
                    throw failure(
                        byte == newline
                            ? "a string is not closed before the end of its line" : "a control character in a string")
                }
                guard byte == backslash else {
                    index += 1
                    continue
                }
                flush(index)
                let escape = index
                index += 1
                guard index < bytes.count else { continue }
                let letter = bytes[index]
                index += 1
                let simple: [UInt8: Unicode.Scalar] = [
                    UInt8(ascii: "\""): "\"", UInt8(ascii: "\\"): "\\", UInt8(ascii: "/"): "/",
                    UInt8(ascii: "b"): "\u{8}", UInt8(ascii: "f"): "\u{C}", UInt8(ascii: "n"): "\n",
                    UInt8(ascii: "r"): "\r", UInt8(ascii: "t"): "\t",
                ]
                if let scalar = simple[letter] {
                    scalars.append(scalar)
                } else if letter == UInt8(ascii: "u"), index + 4 <= bytes.count,
                    let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
                {
                    index += 4
                    if (0xD800...0xDBFF).contains(code) {
                        pendingHigh = code
                    } else if let high = pendingHigh, (0xDC00...0xDFFF).contains(code) {
                        let combined = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                        scalars.append(Unicode.Scalar(combined) ?? "?")
                        pendingHigh = nil
                    } else {
                        scalars.append(Unicode.Scalar(code) ?? "?")
                    }
                } else {
                    index = escape
                    throw failure("an invalid escape in a string; JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
                }
                run = index
            }
        }

        private mutating func number() throws(Failure) {
            let start = index
            func digits() -> Int {
                let from = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                return index - from
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let leadingZero = index < bytes.count && bytes[index] == UInt8(ascii: "0")
            let whole = digits()
            var valid = whole > 0 && !(leadingZero && whole > 1)
            if valid, index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                valid = digits() > 0
            }
            if valid, index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                valid = digits() > 0
            }
            guard valid else {
                index = start
                throw failure("an invalid number")
            }
        }

        private mutating func literal(_ word: String) throws(Failure) {
            let text = Array(word.utf8)
            guard bytes[index...].starts(with: text) else {
                throw failure("expected a value, found \(found()) (strings go in double quotes)")
            }
            index += text.count
        }
    }
}
