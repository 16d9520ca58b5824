import Testing

@testable import DokuenCore

/// A Procfile's `static: DIR`: a directory inside the build, safe bare in nginx's config.
@Suite struct StaticRootTests {
    @Test(arguments: [
        ("public", "public"), ("public/", "public"), (".", "."), ("./", "."), ("dist/site", "dist/site"),
        ("_site", "_site"), ("a.b-c_d", "a.b-c_d"),
    ])
    func accepts(_ text: String, _ canonical: String) throws {
        #expect(try StaticRoot(text).rawValue == canonical)
    }

    @Test(arguments: [
        "", "/", "/srv/www", "..", "../x", "a/../b", "a/./b", "./public", "a//b", "a b", "a;b", "a{b", "$x", "é",
        "a..b", "...",
        String(repeating: "a", count: 201),
    ])
    func refuses(_ text: String) {
        #expect(throws: CoreError.self) { try StaticRoot(text) }
    }

    @Test func theDirectoryIsInsideTheBuild() throws {
        #expect(try StaticRoot(".").directory(in: "/b/releases/x") == "/b/releases/x")
        #expect(try StaticRoot("public").directory(in: "/b/releases/x") == "/b/releases/x/public")
    }
}
