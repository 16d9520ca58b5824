/// Every way a user-supplied value can be refused by DokuenCore.
///
/// Each case names the object and says exactly what is wrong, so the CLI can print it once as
/// `dokuen: error: <description>`. Values that may be secret (environment values) are never echoed.
public enum CoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidAppName(String, reason: String)
    case invalidProcessType(String, reason: String)
    case invalidEnvKey(String, reason: String)
    case invalidEnvValue(key: String, reason: String)
    case procfile(line: Int, reason: String)
    case dotenv(line: Int, reason: String)
    case invalidFormation(String, reason: String)
    case invalidReleaseID(String, reason: String)
    case invalidBuildStamp(String, reason: String)
    case invalidRoot(reason: String)
    case invalidTarget(String, reason: String)
    /// A `KEY=VALUE` process setting (`dokuen ps set`, `app.json`); its values are not secret.
    case invalidSetting(String, reason: String)
    case invalidBranch(String, reason: String)
    /// A Procfile's `static: DIR`.
    case invalidStaticRoot(String, reason: String)

    public var description: String {
        switch self {
        case .invalidAppName(let name, let reason): "invalid app name \(quoted(name)): \(reason)"
        case .invalidProcessType(let name, let reason): "invalid process type \(quoted(name)): \(reason)"
        case .invalidEnvKey(let key, let reason): "invalid config key \(quoted(key)): \(reason)"
        case .invalidEnvValue(let key, let reason): "invalid value for config key \(key): \(reason)"
        case .procfile(let line, let reason): "Procfile line \(line): \(reason)"
        case .dotenv(let line, let reason): ".env line \(line): \(reason)"
        case .invalidFormation(let text, let reason): "invalid formation \(quoted(text)): \(reason)"
        case .invalidReleaseID(let text, let reason): "invalid release \(quoted(text)): \(reason)"
        case .invalidBuildStamp(let text, let reason): "invalid build directory name \(quoted(text)): \(reason)"
        case .invalidRoot(let reason): "unable to find the dokuen root: \(reason)"
        case .invalidTarget(let text, let reason): "invalid target \(quoted(text)): \(reason)"
        case .invalidSetting(let text, let reason): "invalid setting \(quoted(text)): \(reason)"
        case .invalidBranch(let text, let reason): "invalid branch name \(quoted(text)): \(reason)"
        case .invalidStaticRoot(let text, let reason): "invalid static directory \(quoted(text)): \(reason)"
        }
    }
}

/// Quotes user input for an error message so that control characters and NUL stay visible.
func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\0": out += "\\0"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Describes one offending character for a rejection message: `'/' at position 2`.
func describe(_ scalar: Unicode.Scalar, at position: Int) -> String {
    let shown: String
    switch scalar {
    case "\0": shown = "a NUL byte"
    case " ": shown = "a space"
    case "\t": shown = "a tab"
    case "\n": shown = "a newline"
    case "\r": shown = "a carriage return"
    default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
            shown = "control character U+" + hex4(scalar.value)
        } else if scalar.isASCII {
            shown = "'" + String(Character(scalar)) + "'"
        } else {
            shown = "non-ASCII '" + String(Character(scalar)) + "' (U+" + hex4(scalar.value) + ")"
        }
    }
    return "\(shown) at position \(position)"
}

private func hex4(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
