/// How every message shows text that came from outside (a user's input, a file, a request): one rule for the whole
/// project, so that an error names the offending value the same way whichever layer refused it.
///
/// Messages stay on one line and show exactly what was received: anything outside printable ASCII is escaped, so a
/// newline, a NUL, an escape sequence or a right-to-left override cannot forge or hide part of a message.
public enum Quoting {
    /// `"text"` with `"` and `\` escaped and every scalar outside printable ASCII as `\n`, `\t`, `\r`, `\0` or
    /// `\u{hex}`: `invalid app name "a\nb"`.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            if let escape = sharedEscape(scalar) {
                out += escape
            } else if scalar == "\0" {
                out += "\\0"
            } else if scalar.value < 0x20 || scalar.value >= 0x7F {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `text` as a JSON string (RFC 8259) the way Foundation's JSONEncoder writes it: `"` and `\` escaped, the
    /// control characters as `\b \f \n \r \t` or `\u00xx`, everything else (`/` and non-ASCII included) as is.
    public static func json(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            if let escape = sharedEscape(scalar) {
                out += escape
            } else if scalar == "\u{8}" {
                out += "\\b"
            } else if scalar == "\u{c}" {
                out += "\\f"
            } else if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// The escapes both grammars share: quote, backslash, newline, return and tab.
    private static func sharedEscape(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "\"": "\\\""
        case "\\": "\\\\"
        case "\n": "\\n"
        case "\r": "\\r"
        case "\t": "\\t"
        default: nil
        }
    }

    /// One offending character for a reason: `';' at position 4`, `a newline at position 2`,
    /// `non-ASCII U+00E9 at position 4`. Positions count Unicode scalars from 1.
    public static func describe(_ scalar: Unicode.Scalar, at position: Int) -> String {
        let name: String
        switch scalar {
        case "\0": name = "a NUL byte"
        case " ": name = "a space"
        case "\t": name = "a tab"
        case "\n": name = "a newline"
        case "\r": name = "a carriage return"
        case "'": name = "an apostrophe (')"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                name = "control character U+" + hex4(scalar.value)
            } else if scalar.isASCII {
                name = "'" + String(Character(scalar)) + "'"
            } else {
                name = "non-ASCII U+" + hex4(scalar.value)
            }
        }
        return "\(name) at position \(position)"
    }

    /// `text` cut to `limit` scalars with every scalar outside printable ASCII as `?` (and `…` when cut), for free
    /// text that a message or the event log shows unquoted: a refused ssh command, a note about `app.json`.
    public static func printable(_ text: String, limit: Int = 80) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            out.unicodeScalars.append((0x20..<0x7F).contains(scalar.value) ? scalar : "?")
        }
        return text.unicodeScalars.count > limit ? out + "…" : out
    }

    /// `'text'` for a POSIX shell: single quotes keep every byte literal except `'` itself, which closes the quote,
    /// is escaped, and reopens it (`it's` → `'it'\''s'`). Used for paths written into hook scripts and
    /// authorized_keys forced commands.
    public static func shell(_ text: String) -> String {
        "'" + text.replacing("'", with: "'\\''") + "'"
    }

    /// One word for a POSIX shell as a person would type it: bare when every character is plain (letters, digits
    /// and `-_./:=@%+,`), else `shell(_:)`'s single quotes.
    public static func shellWord(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                switch $0 {
                case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "/", ":", "=", "@", "%", "+", ",": true
                default: false
                }
            }
        return plain ? text : shell(text)
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
