import DokuenCore
import Testing

@testable import DokuenBuild

/// app.json's Heroku `formation` and its comments (docs/DESIGN.md §2 and §5).
@Suite struct AppManifestFormationTests {
    func parse(_ text: String) throws -> AppManifest { try AppManifest.parse(Array(text.utf8)) }

    @Test func formationGivesQuantitiesAndNamesTheKeysNotUsed() throws {
        let manifest = try parse(
            #"{"formation": {"web": {"quantity": 2, "size": "basic"}, "worker": {"quantity": 0}, "clock": {}}}"#)
        #expect(
            manifest.formation == [
                try ProcessType("web"): 2, try ProcessType("worker"): 0, try ProcessType("clock"): 1,
            ])
        #expect(
            manifest.notes == [
                "formation.web.size: not used by Dokuen (an instance is a process of this host); ignored"
            ])
    }

    @Test(arguments: [
        (
            #"{"formation": {"web": {"quantity": 101}}}"#,
            "app.json line 1, column 36: formation.web.quantity should be a whole number from 0 to 100"
        ),
        (
            #"{"formation": {"web": {"quantity": "1"}}}"#,
            "app.json line 1, column 36: formation.web.quantity should be a whole number"
        ),
        (#"{"formation": {"we b": {}}}"#, "app.json line 1, column 24: formation.we b: invalid process type"),
        (#"{"formation": []}"#, "app.json line 1, column 15: formation should be an object"),
    ])
    func badFormationsNameTheirPlace(_ text: String, _ start: String) {
        #expect {
            try parse(text)
        } throws: { error in
            guard case BuildError.manifest(let reason) = error else { return false }
            return reason.hasPrefix(start)
        }
    }

    @Test func commentsAreAllowedAsDokkuAllowsThem() throws {
        let manifest = try parse(
            """
            // The app's manifest.
            {
              /* How many run: */
              "formation": {"web": {"quantity": 3}}, // web only
              "healthchecks": {"web": [{"path": "/a//b/*c*/"}]}
            }
            """)
        #expect(manifest.formation == [try ProcessType("web"): 3])
        #expect(manifest.checks.first?.path == "/a//b/*c*/")
    }

    @Test(arguments: [
        ("{\n  \"formation\": {} /* open\n}", "app.json line 2, column 19: a /* comment is not closed with */"),
        (
            "// x\n{\n  \"formation\": {\"web\": {\"quantity\": 1}}\n  \"dokuen\": {}\n}",
            "app.json line 4, column 3: expected ',' or '}' after the value of \"formation\", found '\"'"
        ),
        (
            "{\n  /* a */ \"formation\": {\"web\": {\"quantity\": -1}}\n}",
            "app.json line 2, column 45: formation.web.quantity should be a whole number from 0 to 100"
        ),
    ])
    func errorsNameTheLineAndColumn(_ text: String, _ message: String) {
        #expect(throws: BuildError.manifest(reason: message)) { try parse(text) }
    }
}
