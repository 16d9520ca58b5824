import Testing

@testable import DokuenCore

/// Branch names a push may deploy: what git accepts, narrowed to a safe ASCII set.
@Suite struct BranchNameTests {
    @Test(arguments: ["main", "master", "release/v2", "feature_x-1.2", "a"])
    func accepts(_ text: String) throws {
        #expect(try BranchName(text).ref == "refs/heads/" + text)
    }

    @Test(arguments: [
        "", "-x", "/x", ".x", "x/", "x.", "x.lock", "a..b", "a//b", "a/.b", "a b", "a;b", "a$b", "a\"b", "a\nb",
        "é", String(repeating: "a", count: 101),
    ])
    func refuses(_ text: String) {
        #expect(throws: CoreError.self) { try BranchName(text) }
    }

    @Test func errorsSayWhat() {
        #expect(
            throws: CoreError.invalidBranch(
                "a b", reason: "it contains ' ' at position 2; use letters, digits and ._/-")
        ) {
            try BranchName("a b")
        }
    }
}
