import Testing

@testable import DokuenCore

@Suite struct AppNameTests {
    @Test(arguments: ["blog", "a", "my-app-2", "0day", String(repeating: "a", count: 63), "x-y-z"])
    func accepts(_ name: String) throws {
        #expect(try AppName(name).rawValue == name)
    }

    /// Each rejection says why, naming the offending character and its position.
    @Test(arguments: [
        ("Blog", "uppercase 'B' at position 1"),
        ("../x", "'.' at position 1"),
        ("a/b", "'/' at position 2"),
        ("-x", "starts with '-'"),
        ("x-", "ends with '-'"),
        (String(repeating: "a", count: 64), "64 characters long; the limit is 63"),
        ("", "it is empty"),
        ("café", "non-ASCII U+00E9 at position 4"),
        ("日本", "non-ASCII U+65E5 at position 1"),
        ("a\0b", "a NUL byte at position 2"),
        ("a b", "a space at position 2"),
        ("a\nb", "a newline at position 2"),
        ("a_b", "'_' at position 2"),
        ("a.b", "'.' at position 2"),
        ("a;rm", "';' at position 2"),
    ])
    func rejects(_ name: String, _ why: String) {
        #expect(throws: CoreError.self) { try AppName(name) }
        do {
            _ = try AppName(name)
        } catch {
            #expect(error.description.contains(why), "\(error.description)")
            #expect(error.description.hasPrefix("invalid app name \""))
        }
    }

    @Test func errorQuotesControlCharactersVisibly() {
        #expect(
            throws: CoreError.invalidAppName(
                "a\0b",
                reason: "it contains a NUL byte at position 2; "
                    + "only lowercase letters, digits and '-' are allowed")
        ) { try AppName("a\0b") }
        #expect(CoreError.invalidAppName("a\0b", reason: "r").description == #"invalid app name "a\0b": r"#)
    }
}
