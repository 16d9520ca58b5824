/// Where a buildpack can be cloned from: a git URL or a local path, with an optional `#ref` (a branch, a tag or a
/// commit), as Heroku's BUILDPACK_URL writes it: `https://github.com/org/pack.git#v12`.
public struct BuildpackSource: Equatable, Sendable, CustomStringConvertible {
    public let location: String
    public let ref: String?

    /// Splits `text` at its last `#`. Refused: an empty location, an empty ref, and any space or control character
    /// (the text goes to git as one argument, never through a shell, but it is also shown in messages).
    public init(_ text: String) throws(BuildError) {
        if let bad = text.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            throw .invalidSource(text, reason: "it contains \(bad == " " ? "a space" : "a control character")")
        }
        if let hash = text.lastIndex(of: "#") {
            location = String(text[..<hash])
            ref = String(text[text.index(after: hash)...])
            if ref!.isEmpty { throw .invalidSource(text, reason: "nothing follows '#'") }
            if ref!.hasPrefix("-") { throw .invalidSource(text, reason: "the ref starts with '-'") }
        } else {
            location = text
            ref = nil
        }
        if location.isEmpty { throw .invalidSource(text, reason: "it has no URL or path") }
        if location.hasPrefix("-") { throw .invalidSource(text, reason: "it starts with '-'") }
    }

    public var description: String { ref.map { location + "#" + $0 } ?? location }

    /// Whether a buildpack installed from `installed` satisfies a request for `self`: the same location, and the
    /// same ref when `self` names one.
    public func isSatisfied(by installed: BuildpackSource) -> Bool {
        location == installed.location && (ref == nil || ref == installed.ref)
    }
}
