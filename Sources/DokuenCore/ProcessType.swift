/// A Procfile process type such as `web` or `worker`: `[A-Za-z0-9_-]{1,63}`, as Heroku, foreman and honcho
/// accept it. The name is used in paths (`web.1.log`) and in `<TYPE>_PORT`, so nothing else is allowed.
public struct ProcessType: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maxLength = 63
    public let rawValue: String

    public init(_ text: String) throws(CoreError) {
        if let reason = Self.rejection(of: text) { throw .invalidProcessType(text, reason: reason) }
        rawValue = text
    }

    public var description: String { rawValue }

    public static func < (lhs: ProcessType, rhs: ProcessType) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The per-type port variable of docs/DESIGN.md §2: upper case, `-` becomes `_`, then `_PORT` (`web` → `WEB_PORT`).
    public var portVariable: String {
        var out = ""
        for scalar in rawValue.unicodeScalars {
            switch scalar {
            case "a"..."z": out.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "-": out += "_"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "_PORT"
    }

    static func rejection(of text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        if scalars.isEmpty { return "it is empty; a process type has 1 to \(maxLength) characters" }
        for (offset, scalar) in scalars.enumerated() {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-": continue
            default:
                return "it contains \(Quoting.describe(scalar, at: offset + 1)); "
                    + "only letters, digits, '_' and '-' are allowed"
            }
        }
        if scalars.count > maxLength {
            return "it is \(scalars.count) characters long; the limit is \(maxLength)"
        }
        return nil
    }
}
