import Testing

@testable import DokuenCore

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
