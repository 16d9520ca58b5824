/// The shape of build output, Heroku style: `-----> ` starts a step header, and every other line is indented by
/// seven spaces so it sits under its header. Lines a buildpack already formatted (a header, an indented line,
/// Heroku's ` !     ` warning marker) pass through as they are.
public enum BuildLog {
    public static let headerPrefix = "-----> "
    public static let indentation = "       "

    /// A step header: `-----> Python app detected`.
    public static func header(_ text: String) -> String { headerPrefix + text }

    /// A line of a buildpack's output, indented unless it is already formatted.
    public static func indent(_ line: String) -> String {
        if line.isEmpty || line.hasPrefix(headerPrefix) || line.hasPrefix(indentation) || line.hasPrefix(" !     ") {
            return line
        }
        return indentation + line
    }

    /// An elapsed time with one decimal: `12.3 s`.
    public static func elapsed(_ duration: Duration) -> String {
        let tenths = Int((seconds(of: duration) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
