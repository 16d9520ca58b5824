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
        ("café", "non-ASCII 'é' (U+00E9) at position 4"),
        ("日本", "non-ASCII '日' (U+65E5) at position 1"),
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

@Suite struct ProcessTypeTests {
    @Test(arguments: ["web", "worker", "WEB", "clock_2", "a-b", String(repeating: "x", count: 63)])
    func accepts(_ name: String) throws {
        #expect(try ProcessType(name).rawValue == name)
    }

    @Test(arguments: [
        ("", "empty"), ("we b", "a space at position 3"), ("web:", "':' at position 4"),
        ("a.b", "'.'"), ("../x", "'.' at position 1"), (String(repeating: "x", count: 64), "64 characters"),
        ("wéb", "non-ASCII"),
    ])
    func rejects(_ name: String, _ why: String) {
        do {
            _ = try ProcessType(name)
            Issue.record("accepted \(name)")
        } catch {
            #expect(error.description.contains(why), "\(error.description)")
        }
    }

    @Test(arguments: [("web", "WEB_PORT"), ("api-v2", "API_V2_PORT"), ("Clock_1", "CLOCK_1_PORT")])
    func portVariable(_ name: String, _ variable: String) throws {
        #expect(try ProcessType(name).portVariable == variable)
    }
}

@Suite struct EnvKeyTests {
    @Test(arguments: ["DATABASE_URL", "_", "_x1", "a", "PORT"])
    func accepts(_ key: String) throws {
        #expect(try EnvKey(key).rawValue == key)
    }

    @Test(arguments: [
        ("", "empty"), ("1ABC", "starts with a digit"), ("A-B", "'-' at position 2"), ("A B", "a space"),
        ("A=B", "'=' at position 2"), ("../etc", "'.' at position 1"), ("Ä", "non-ASCII"), ("A\0", "NUL"),
        (String(repeating: "K", count: 201), "201 characters"),
    ])
    func rejects(_ key: String, _ why: String) {
        do {
            _ = try EnvKey(key)
            Issue.record("accepted \(key)")
        } catch {
            #expect(error.description.contains(why), "\(error.description)")
        }
    }
}
