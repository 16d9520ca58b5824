import DokuenBuild
import Testing

/// BUILDPACK_URL first, then `.buildpacks`, then detection; names, shorthands and sources.
@Suite struct BuildpackSelectionTests {
    func name(_ text: String) throws -> BuildpackSelection.Reference { .name(try BuildpackName(text)) }

    @Test func buildpackURLWinsOverTheFile() throws {
        let selection = try BuildpackSelection.choose(buildpackURL: "python", buildpacksFile: "node\n")
        #expect(selection == BuildpackSelection(origin: .environment, references: [try name("python")]))
    }

    /// BUILDPACK_URL, then `buildpacks set`, then `.buildpacks`, then detection; only the winner is parsed.
    @Test(
        arguments: [
            ("python", "null", "node\n", BuildpackSelection.Origin.environment, "python"),
            (nil, "null", "node\n", .appSetting, "null"),
            (" ", "heroku/null", "node\n", .appSetting, "null"),
            (nil, nil, "node\n", .buildpacksFile, "node"),
            (nil, "", "node\n", .buildpacksFile, "node"),
            ("python", nil, "not a name!\n", .environment, "python"),
            (nil, "go", "not a name!\n", .appSetting, "go"),
        ] as [(String?, String?, String?, BuildpackSelection.Origin, String)])
    func precedence(url: String?, setting: String?, file: String?, origin: BuildpackSelection.Origin, chosen: String)
        throws
    {
        let selection = try BuildpackSelection.choose(buildpackURL: url, appBuildpack: setting, buildpacksFile: file)
        #expect(selection.origin == origin)
        #expect(selection.references.map(\.description) == [chosen])
    }

    @Test func aBadSettingNamesItsRule() {
        #expect(throws: BuildError.self) {
            try BuildpackSelection.choose(buildpackURL: nil, appBuildpack: "Not Good", buildpacksFile: nil)
        }
        let error = #expect(throws: BuildError.self) {
            try BuildpackSelection.choose(buildpackURL: nil, appBuildpack: "Bad!", buildpacksFile: nil)
        }
        #expect(error?.description.contains("buildpacks set") == true, "\(String(describing: error))")
    }

    /// `buildpacks show` names the rules that are there but lose.
    @Test func overriddenRulesAreThoseBelowTheWinner() {
        #expect(
            BuildpackSelection.overridden(buildpackURL: "x", appBuildpack: "y", hasBuildpacksFile: true) == [
                .appSetting, .buildpacksFile,
            ])
        #expect(
            BuildpackSelection.overridden(buildpackURL: " ", appBuildpack: "y", hasBuildpacksFile: true) == [
                .buildpacksFile
            ])
        #expect(BuildpackSelection.overridden(buildpackURL: nil, appBuildpack: nil, hasBuildpacksFile: true) == [])
        #expect(BuildpackSelection.overridden(buildpackURL: nil, appBuildpack: nil, hasBuildpacksFile: false) == [])
        #expect(
            BuildpackSelection.Origin.allCases.map(\.description) == [
                "BUILDPACK_URL", "buildpacks set", ".buildpacks", "detection",
            ])
    }

    @Test func blankBuildpackURLIsUnset() throws {
        let selection = try BuildpackSelection.choose(buildpackURL: "  ", buildpacksFile: "node\n")
        #expect(selection.origin == .buildpacksFile)
    }

    @Test func buildpacksFileListsSeveralInOrder() throws {
        let selection = try BuildpackSelection.choose(
            buildpackURL: nil,
            buildpacksFile: "\u{FEFF}# front end first\r\nnode\r\n\n  heroku/python  \n/srv/packs/go#abc123\n")
        #expect(selection.origin == .buildpacksFile)
        #expect(
            selection.references == [
                try name("node"), try name("python"), .source(try BuildpackSource("/srv/packs/go#abc123")),
            ])
    }

    @Test func noURLAndNoFileMeansDetection() throws {
        #expect(
            try BuildpackSelection.choose(buildpackURL: nil, buildpacksFile: nil)
                == BuildpackSelection(origin: .detection, references: []))
    }

    @Test func sourcesSplitTheirRef() throws {
        let source = try BuildpackSource("https://github.com/heroku/heroku-buildpack-python.git#v250")
        #expect(source.location == "https://github.com/heroku/heroku-buildpack-python.git")
        #expect(source.ref == "v250")
        #expect(try BuildpackSource("git@github.com:org/pack.git").ref == nil)
        #expect(source.isSatisfied(by: source))
        #expect(try BuildpackSource("https://github.com/heroku/heroku-buildpack-python.git").isSatisfied(by: source))
        #expect(!source.isSatisfied(by: try BuildpackSource("https://github.com/heroku/heroku-buildpack-python.git")))
    }

    @Test(arguments: [
        (
            "Python\n",
            ".buildpacks line 1: \"Python\" is neither a buildpack name ([a-z0-9-]) nor a URL or absolute path"
        ),
        (
            "node\nrelative/path\n",
            ".buildpacks line 2: \"relative/path\" is neither a buildpack name ([a-z0-9-]) nor a URL or absolute path"
        ),
        ("# only a comment\n\n", ".buildpacks line 1: the file lists no buildpack"),
        (
            "https://example.com/x.git#\n",
            ".buildpacks line 1: \"https://example.com/x.git#\" is not a usable source: nothing follows '#'"
        ),
    ])
    func badFilesAreErrorsWithTheirLine(text: String, message: String) {
        #expect(
            performing: { try BuildpackSelection.choose(buildpackURL: nil, buildpacksFile: text) },
            throws: { ($0 as? BuildError)?.description == message })
    }

    @Test(arguments: [
        ("", "invalid buildpack name \"\": it is empty; a buildpack name has 1 to 63 characters"),
        (
            "Python",
            "invalid buildpack name \"Python\": it contains 'P' at position 1; only a-z, 0-9 and '-' are allowed"
        ),
        (
            "../etc",
            "invalid buildpack name \"../etc\": it contains '.' at position 1; only a-z, 0-9 and '-' are allowed"
        ),
        ("a/b", "invalid buildpack name \"a/b\": it contains '/' at position 2; only a-z, 0-9 and '-' are allowed"),
        ("-x", "invalid buildpack name \"-x\": it starts with '-'"),
        (
            String(repeating: "a", count: 64),
            "invalid buildpack name \"\(String(repeating: "a", count: 64))\": it is 64 characters long; the limit is 63"
        ),
    ])
    func badNamesAreRefused(text: String, message: String) {
        #expect(performing: { try BuildpackName(text) }, throws: { ($0 as? BuildError)?.description == message })
    }

    @Test(arguments: ["python", "go", "a", "node-18", String(repeating: "z", count: 63)])
    func goodNamesAreAccepted(text: String) throws {
        #expect(try BuildpackName(text).rawValue == text)
    }
}
