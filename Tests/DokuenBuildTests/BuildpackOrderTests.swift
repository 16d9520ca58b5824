import DokuenBuild
import DokuenCore
import DokuenPosix
import TestSupport
import Testing

/// Issue 14: an installed buildpack never takes an app a built-in detects; installed ones are tried in install
/// order; `buildpacks set` pins an app; the deploy output names the rule; a git failure gets its hint.
@Suite(.timeLimit(.minutes(2))) struct BuildpackOrderTests {
    /// Built-ins `alpha` (needs `alpha.txt`) and `procfile` (needs a Procfile); installed `null`, whose detect
    /// always accepts (the classic null buildpack).
    struct Scene {
        let temp: TemporaryDirectory
        var builtIns: String { temp("builtin") }
        var installed: String { temp("installed") }
        var build: String { temp("build") }

        init() throws {
            temp = try TemporaryDirectory("order")
            try BuildpackFixture.accepting("alpha", marker: "alpha.txt", shown: "Alpha", in: builtIns)
            try BuildpackFixture.accepting("procfile", marker: "Procfile", shown: "Procfile", in: builtIns)
            try BuildpackFixture.write(
                "null", in: installed, detect: "echo Null", compile: "echo null >> \"$1/compiled\"")
            for directory in ["build", "cache"] { try Posix.mkdir(temp(directory)) }
        }

        var catalog: BuildpackCatalog { BuildpackCatalog(builtInDirectory: builtIns, installedDirectory: installed) }

        func file(_ name: String, _ text: String = "") throws {
            try AtomicFile.write(Array(text.utf8), to: build + "/" + name)
        }

        /// Writes the source record an install writes, installed at `time` (nil: without a time, as before).
        func record(_ name: String, time: Int64?) throws {
            try Posix.mkdir(installed + "/" + name + "/.git", existingOK: true)
            let text = "/srv/\(name)\nabc\n" + (time.map { "\($0)\n" } ?? "")
            try AtomicFile.write(Array(text.utf8), to: installed + "/" + name + "/" + BuildpackCatalog.sourceRecord)
        }

        /// The build's result or error, and every line it showed.
        func run(
            env: [EnvKey: String] = [:], setting: String? = nil,
            settings: BuildSettings = BuildSettings(stack: "dokuen-test")
        ) async -> (Result<BuildResult, BuildError>, [String]) {
            let lines = LineCollector()
            do throws(BuildError) {
                let result = try await Builder(catalog: catalog, settings: settings).build(
                    buildDirectory: build, cacheDirectory: temp("cache"), envDirectory: temp("env"),
                    appEnvironment: env, appBuildpack: setting, progress: lines.add)
                return (.success(result), lines.lines)
            } catch {
                return (.failure(error), lines.lines)
            }
        }
    }

    /// The null buildpack accepts everything, yet an app a built-in detects still builds with the built-in; the
    /// null buildpack gets only what no built-in accepts.
    @Test func aCatchAllInstalledBuildpackNeverTakesABuiltInsApp() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("alpha.txt")
        try scene.file("Procfile", "web: run\n")
        let (result, lines) = await scene.run()
        #expect(try result.get().buildpacks == ["alpha"])
        #expect(lines.contains("-----> alpha buildpack (detected)"), "\(lines)")
        try Posix.unlink(scene.build + "/alpha.txt")
        try Posix.unlink(scene.build + "/compiled")
        let (procfile, noted) = await scene.run()
        #expect(try procfile.get().buildpacks == ["procfile"])
        #expect(
            noted.contains(
                "       Installed buildpacks are tried after the built-ins; to build with one, "
                    + "`dokuen buildpacks set APP NAME`"), "\(noted)")
        try Posix.unlink(scene.build + "/Procfile")
        #expect(try await scene.run().0.get().buildpacks == ["null"])
    }

    /// Installed buildpacks follow the built-ins in install order; one without a recorded time comes last; one
    /// with a built-in's name stands in that built-in's place.
    @Test func installedBuildpacksFollowInInstallOrder() throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        for name in ["zz", "aa", "mm", "alpha"] {
            try BuildpackFixture.write(name, in: scene.installed, detect: "exit 1")
        }
        try scene.record("null", time: 300)
        try scene.record("zz", time: 100)
        try scene.record("aa", time: 200)
        try scene.record("alpha", time: 50)
        let order = try scene.catalog.detectionCandidates()
        #expect(order.map(\.name.rawValue) == ["alpha", "procfile", "zz", "aa", "null", "mm"])
        #expect(order.first?.origin == .installed(source: "/srv/alpha", commit: "abc"), "the installed alpha")
        let names = ["b", "a"].map { try! BuildpackName($0) }
        let packs = names.map { Buildpack(name: $0, directory: "/x/\($0)", origin: .builtIn) }
        #expect(BuildpackCatalog.installOrder(packs, installedAt: [:]).map(\.name.rawValue) == ["a", "b"])
        #expect(
            BuildpackCatalog.installOrder(packs, installedAt: [names[0]: 1, names[1]: 2]).map(\.name.rawValue) == [
                "b", "a",
            ])
    }

    /// `buildpacks set` beats `.buildpacks` and detection and loses to BUILDPACK_URL; the output names the rule.
    @Test func theAppsSettingPinsItAndTheOutputNamesTheRule() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("alpha.txt")
        try scene.file(".buildpacks", "alpha\n")
        let (pinned, lines) = await scene.run(setting: "null")
        #expect(try pinned.get().buildpacks == ["null"])
        #expect(lines.contains("-----> null buildpack (buildpacks set)"), "\(lines)")
        let (overridden, urlLines) = await scene.run(env: [try EnvKey("BUILDPACK_URL"): "alpha"], setting: "null")
        #expect(try overridden.get().buildpacks == ["alpha"])
        #expect(urlLines.contains("-----> alpha buildpack (BUILDPACK_URL)"), "\(urlLines)")
        let (file, fileLines) = await scene.run()
        #expect(try file.get().buildpacks == ["alpha"])
        #expect(fileLines.contains("-----> alpha buildpack (.buildpacks)"), "\(fileLines)")
        let (unknown, _) = await scene.run(setting: "gone")
        #expect(
            throws: BuildError.unknownBuildpack("gone", from: "buildpacks set", known: ["alpha", "null", "procfile"])
        ) {
            try unknown.get()
        }
        let names = ["node", "python"].map { try! BuildpackName($0) }
        #expect(Builder.choiceLine(names, origin: .buildpacksFile) == "node, python buildpacks (.buildpacks)")
    }

    /// A compile whose git cannot read a repository fails with a hint naming the build's user.
    @Test func aGitFailureInCompileGetsTheHint() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try BuildpackFixture.write(
            "cloner", in: scene.installed, detect: "echo Cloner",
            compile: "echo \"Cloning into '$1/vendor'...\"; echo \"fatal: repository '/root/x' does not exist\" >&2; "
                + "exit 128")
        let settings = BuildSettings(userName: "dk-blog", stack: "dokuen-test")
        let (result, lines) = await scene.run(setting: "cloner", settings: settings)
        #expect(throws: BuildError.failed(buildpack: "cloner", program: "compile", .exited(128))) { try result.get() }
        let hint = try #require(lines.last)
        #expect(hint.hasPrefix(" !     Hint: the build runs as the app's user dk-blog, who may not be able to read"))
        #expect(lines.filter { $0.contains("Hint:") }.count == 1)
        // Any other failure gets none.
        try BuildpackFixture.write("cloner", in: scene.installed, detect: "echo Cloner", compile: "echo oops; exit 2")
        let (_, plain) = await scene.run(setting: "cloner", settings: settings)
        #expect(!plain.contains { $0.contains("Hint:") }, "\(plain)")
    }
}

/// `BuildpackHint.gitAccess`: git's telltale lines, and nothing else.
@Suite struct BuildpackHintTests {
    @Test(arguments: [
        "fatal: detected dubious ownership in repository at '/srv/repo/.git'",
        "git@github.com: Permission denied (publickey).",
        "fatal: Could not read from remote repository.",
        "fatal: '/srv/x' does not appear to be a git repository",
        "fatal: repository '/root/private/repo' does not exist",
        "       fatal: repository 'https://example.com/x.git/' not found",
        "error: could not read from remote repository",
    ])
    func gitsTelltaleLinesGetTheHint(line: String) throws {
        let hint = try #require(BuildpackHint.gitAccess(lastLines: ["Cloning into 'x'...", line], user: "dk-blog"))
        #expect(hint.contains("dk-blog") && hint.contains("world-readable") && hint.contains("https"))
        #expect(hint.contains("`dokuen buildpacks install NAME URL`") && hint.hasPrefix(" !     "))
        #expect(!hint.contains("\n"))
    }

    @Test(arguments: [
        "bash: ./configure: Permission denied", "make: *** [all] Error 1", "error: linker failed",
        "fatal: path 'x' does not exist in 'HEAD'", "",
    ])
    func otherLinesGetNone(line: String) {
        #expect(BuildpackHint.gitAccess(lastLines: [line], user: "dk-blog") == nil)
    }

    @Test func onlyTheLastLinesCountAndAnUnknownUserIsSaidSo() throws {
        let old = ["fatal: Could not read from remote repository."]
        let filler = Array(repeating: "compiling…", count: BuildpackHint.window)
        #expect(BuildpackHint.gitAccess(lastLines: old + filler, user: nil) == nil)
        let hint = try #require(BuildpackHint.gitAccess(lastLines: filler + old, user: nil))
        #expect(hint.contains("the build's user,"))
    }
}
