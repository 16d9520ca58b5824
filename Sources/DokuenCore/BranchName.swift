/// A git branch name that an app deploys from (`dokuen git set-branch APP BRANCH`): what `git check-ref-format
/// --branch` accepts, narrowed to ASCII letters, digits and `._/-`, so it is safe in a ref path, a log line and
/// SQL alike.
public struct BranchName: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public static let maxLength = 100

    public init(_ text: String) throws(CoreError) {
        if let reason = Self.rejection(of: text) { throw .invalidBranch(text, reason: reason) }
        rawValue = text
    }

    public var description: String { rawValue }

    /// `refs/heads/<name>`.
    public var ref: String { "refs/heads/" + rawValue }

    static func rejection(of text: String) -> String? {
        if text.isEmpty { return "it is empty" }
        if text.utf8.count > maxLength { return "it is longer than \(maxLength) characters" }
        for (offset, byte) in text.utf8.enumerated() {
            let allowed =
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 46
                || byte == 47 || byte == 45 || byte == 95
            if !allowed {
                return
                    "it contains \(byte < 0x20 || byte >= 0x7F ? "a control or non-ASCII byte" : "'\(Character(UnicodeScalar(byte)))'") at position \(offset + 1); use letters, digits and ._/-"
            }
        }
        if text.hasPrefix("-") || text.hasPrefix("/") || text.hasPrefix(".") {
            return "it starts with '\(text.first!)'"
        }
        if text.hasSuffix("/") || text.hasSuffix(".") || text.hasSuffix(".lock") { return "it ends badly for git" }
        if text.contains("..") || text.contains("//") || text.contains("/.") {
            return "git refuses '..', '//' and '/.'"
        }
        return nil
    }
}
