import Testing

@testable import DokuenCore

@Suite struct ReleaseIDTests {
    @Test(arguments: [("v1", 1), ("v42", 42), ("v999999999", 999_999_999)])
    func parses(_ text: String, _ number: Int) throws {
        let id = try ReleaseID(text)
        #expect(id.number == number)
        #expect(id.description == text)
    }

    @Test(arguments: [
        ("3", "did you mean v3?"), ("v0", "start at 1"), ("v01", "no leading zeros"), ("v", "expected v<N>"),
        ("V3", "expected v<N>"), ("v-1", "expected v<N>"), ("v1x", "expected v<N>"), ("", "expected v<N>"),
        ("v1000000000", "expected v<N>"), ("v３", "expected v<N>"),
    ])
    func rejects(_ text: String, _ why: String) {
        do {
            let id = try ReleaseID(text)
            Issue.record("accepted \(id)")
        } catch {
            #expect(error.description.contains(why), "\(error.description)")
        }
    }

    @Test func ordersAndSteps() throws {
        #expect(try ReleaseID("v9") < ReleaseID("v10"))
        #expect(ReleaseID.first.next.description == "v2")
    }
}
