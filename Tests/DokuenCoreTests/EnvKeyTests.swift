import Testing

@testable import DokuenCore

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
