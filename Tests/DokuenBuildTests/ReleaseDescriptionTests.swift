import DokuenBuild
import DokuenCore
import Testing

/// `bin/release` YAML, parsed with Yams: every shape a buildpack may print, and every wrong one.
@Suite struct ReleaseDescriptionTests {
    func parse(_ text: String) throws(BuildError) -> ReleaseDescription {
        try ReleaseDescription.parse(text, buildpack: "python")
    }

    @Test func fullDescription() throws {
        let release = try parse(
            """
            ---
            addons:
              - heroku-postgresql
            config_vars:
              PYTHONUNBUFFERED: "1"
              LANG: en_US.UTF-8
              DEBUG: yes
              EMPTY:
            default_process_types:
              web: gunicorn app:app --bind 0.0.0.0:$PORT
              worker: python worker.py
            something_else: [ignored]
            """)
        #expect(
            release.defaultProcessTypes == [
                try ProcessType("web"): "gunicorn app:app --bind 0.0.0.0:$PORT",
                try ProcessType("worker"): "python worker.py",
            ])
        #expect(
            release.configVars == [
                try EnvKey("PYTHONUNBUFFERED"): "1", try EnvKey("LANG"): "en_US.UTF-8", try EnvKey("DEBUG"): "yes",
                try EnvKey("EMPTY"): "",
            ])
        #expect(release.addons == ["heroku-postgresql"])
    }

    @Test(arguments: ["", "\n", "---\n", "# nothing to say\n", "--- {}\n"])
    func emptyOutputMeansNoDefaults(text: String) throws {
        #expect(try parse(text) == .empty)
    }

    @Test func nullSectionsAreEmpty() throws {
        #expect(try parse("default_process_types:\nconfig_vars: ~\naddons: null\n") == .empty)
    }

    @Test(arguments: [
        ("- web\n", "the python buildpack's release printed YAML that is not a map: a list"),
        ("just text\n", "the python buildpack's release printed YAML that is not a map: a string (\"just text\")"),
        (
            "default_process_types:\n  - web: x\n",
            "the python buildpack's release printed default_process_types as a list; it must be a map"
        ),
        (
            "default_process_types:\n  web:\n    cmd: x\n",
            "the python buildpack's release printed default_process_types.web as a map; it must be a string"
        ),
        (
            "default_process_types:\n  \"web/1\": x\n",
            "the python buildpack's release printed default_process_types with invalid process type \"web/1\": "
                + "it contains '/' at position 4; only letters, digits, '_' and '-' are allowed"
        ),
        (
            "config_vars:\n  1BAD: x\n",
            "the python buildpack's release printed config_vars with invalid config key \"1BAD\": "
                + "it starts with a digit; keys start with a letter or '_'"
        ),
        (
            "config_vars:\n  A: \"ends with space \"\n",
            "the python buildpack's release printed config_vars with invalid value for config key A: it ends with a "
                + "space, which envdir would remove; remove it or end the value with another character"
        ),
        ("config_vars: [A, B]\n", "the python buildpack's release printed config_vars as a list; it must be a map"),
        (
            "addons: heroku-postgresql\n",
            "the python buildpack's release printed addons as a string (\"heroku-postgresql\"); it must be a list"
        ),
        ("addons:\n  - {name: x}\n", "the python buildpack's release printed addons with an item that is a map"),
    ])
    func wrongShapesAreOneLineErrorsNamingTheBuildpack(text: String, message: String) {
        #expect(performing: { try parse(text) }, throws: { ($0 as? BuildError)?.description == message })
    }

    @Test(arguments: ["default_process_types: {web: [unclosed\n", "a: b\n c: d\n\t- x", "web: x\nweb: y\n"])
    func malformedYAMLIsAOneLineError(text: String) throws {
        let error = try #require(throws: BuildError.self) { try parse(text) }
        #expect(error.description.hasPrefix("the python buildpack's release printed YAML that "))
        #expect(!error.description.contains("\n"))
    }

    @Test func laterBuildpacksWinWhenMerged() throws {
        let first = try parse("default_process_types: {web: a, worker: w}\nconfig_vars: {A: '1', B: '1'}\naddons: [x]")
        let second = try parse("default_process_types: {web: b}\nconfig_vars: {B: '2'}\naddons: [x, y]")
        let merged = first.merging(second)
        #expect(merged.defaultProcessTypes == [try ProcessType("web"): "b", try ProcessType("worker"): "w"])
        #expect(merged.configVars == [try EnvKey("A"): "1", try EnvKey("B"): "2"])
        #expect(merged.addons == ["x", "y"])
        #expect(merged.buildpackDefaults == ["A": "1", "B": "2"])
    }

    /// default_process_types is used only when there is no Procfile.
    @Test func procfileWinsOverDefaultTypes() throws {
        let release = try parse("default_process_types: {web: default-web, worker: default-worker}")
        let procfile = try Procfile.parse("web: from-procfile\n")
        #expect(release.processTypes(procfile: procfile) == [try ProcessType("web"): "from-procfile"])
        #expect(release.processTypes(procfile: nil) == release.defaultProcessTypes)
    }
}
