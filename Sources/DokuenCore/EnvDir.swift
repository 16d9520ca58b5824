/// The file format of one variable in an envdir, exactly as daemontools `envdir` reads it
/// (envdir(8), http://cr.yp.to/daemontools/envdir.html):
/// - an empty file (0 bytes) unsets the variable;
/// - otherwise the value is the file's first line, with trailing spaces and tabs removed;
/// - a NUL byte in that line stands for a newline in the value.
///
/// `encode` writes the value followed by one newline, with every newline stored as NUL. A value the format
/// cannot hold is refused rather than changed: one that ends in a space or tab (envdir would trim it) and one
/// that holds a NUL (envdir would read it back as a newline).
public enum EnvDir {
    /// The bytes of the file that makes `envdir` set `key` to exactly `value`.
    public static func encode(_ value: String, for key: EnvKey) throws(CoreError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 1)
        for byte in value.utf8 {
            switch byte {
            case 0:
                throw .invalidEnvValue(key: key.rawValue, reason: "it contains a NUL byte, which an envdir cannot hold")
            case UInt8(ascii: "\n"): bytes.append(0)
            default: bytes.append(byte)
            }
        }
        if let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            throw .invalidEnvValue(
                key: key.rawValue,
                reason: "it ends with a \(last == UInt8(ascii: " ") ? "space" : "tab"), which envdir would remove; "
                    + "remove it or end the value with another character")
        }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// What `envdir` does with a file's bytes: nil means the variable is unset (an empty file).
    /// Bytes that are not UTF-8 are refused, so a value is never silently altered.
    public static func decode(_ bytes: [UInt8], for key: EnvKey) throws(CoreError) -> String? {
        if bytes.isEmpty { return nil }
        var line = bytes.prefix { $0 != UInt8(ascii: "\n") }
        while let last = line.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            line.removeLast()
        }
        let value = line.map { $0 == 0 ? UInt8(ascii: "\n") : $0 }
        guard let text = String(validating: value, as: UTF8.self) else {
            throw .invalidEnvValue(key: key.rawValue, reason: "the file is not valid UTF-8")
        }
        return text
    }

    /// Checks that `value` can be stored, without encoding it.
    public static func validate(_ value: String, for key: EnvKey) throws(CoreError) {
        _ = try encode(value, for: key)
    }
}
