import DokuenBuild
import DokuenCore
import DokuenPosix
import TestSupport
import Testing

/// The whole build sequence with throwaway shell buildpacks: detection order, BUILDPACK_URL and `.buildpacks`,
/// streamed and formatted output, release merging, and every failure's message.
@Suite(.timeLimit(.minutes(2))) struct BuilderTests {
    /// A temp root with built-ins `alpha` (needs `alpha.txt`), `beta` (needs `beta.txt`) and `procfile` (needs a
    /// Procfile), no installed buildpack, and an empty build directory.
    struct Scene {
        let temp: TemporaryDirectory
        var builtIns: String { temp("builtin") }
        var installed: String { temp("installed") }
        var build: String { temp("build") }

        init() throws {
            temp = try TemporaryDirectory("build")
            try BuildpackFixture.accepting("alpha", marker: "alpha.txt", shown: "Alpha", in: temp("builtin"))
            try BuildpackFixture.accepting("beta", marker: "beta.txt", shown: "Beta", in: temp("builtin"))
            try BuildpackFixture.accepting("procfile", marker: "Procfile", shown: "Procfile", in: temp("builtin"))
            for directory in ["installed", "build", "cache"] { try Posix.mkdir(temp(directory)) }
        }

        func file(_ name: String, _ text: String = "") throws {
            try AtomicFile.write(Array(text.utf8), to: build + "/" + name)
        }

        func builder(order: [String]? = nil, settings: BuildSettings = BuildSettings(stack: "dokuen-test"))
            throws -> Builder
        {
            Builder(
                catalog: BuildpackCatalog(
                    builtInDirectory: builtIns, installedDirectory: installed,
                    detectionOrder: try order.map { try $0.map { try BuildpackName($0) } }),
                settings: settings)
        }

        func run(_ builder: Builder, env: [EnvKey: String] = [:]) async throws -> (BuildResult, [String]) {
            let lines = LineCollector()
            let result = try await builder.build(
                buildDirectory: build, cacheDirectory: temp("cache"), envDirectory: temp("env"), appEnvironment: env,
                progress: lines.add)
            return (result, lines.lines)
        }

        func compiled() throws -> [String] {
            String(decoding: try Posix.readFile(build + "/compiled"), as: UTF8.self).split(separator: "\n").map(
                String.init)
        }
    }

    /// Heroku-shaped output: the detect header, indented compile output, elapsed times, and the release notes.
    @Test func detectsCompilesAndReleasesWithHerokuStyleOutput() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("beta.txt")
        let (result, lines) = try await scene.run(try scene.builder())
        #expect(result.buildpacks == ["beta"])
        #expect(result.release.defaultProcessTypes == [try ProcessType("web"): "run-beta"])
        #expect(try scene.compiled() == ["beta"])
        let shape = lines.map { $0.replacing(/[0-9]+\.[0-9] s/, with: "T") }
        #expect(
            shape == [
                "-----> Beta app detected (T)", "-----> beta buildpack (detected)", "-----> Compiling with beta",
                "       compiling beta in \(scene.build)",
                "-----> Compiled in T", "-----> Discovering process types",
                "       Default types for buildpack beta -> web",
            ])
    }

    /// Detection runs in the configured order and stops at the first buildpack that accepts.
    @Test func detectionFollowsTheOrderAndStopsAtTheFirstMatch() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("alpha.txt")
        try scene.file("beta.txt")
        #expect(try await scene.run(try scene.builder()).0.buildpacks == ["alpha"])
        try Posix.unlink(scene.build + "/compiled")
        #expect(try await scene.run(try scene.builder(order: ["beta", "alpha"])).0.buildpacks == ["beta"])
    }

    /// Default order: the built-ins (python first, the others by name, `procfile` last of them), then the
    /// installed ones.
    @Test func defaultOrderTriesBuiltInsThenProcfileThenInstalled() throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try BuildpackFixture.write("zeta", in: scene.installed, detect: "exit 1")
        try BuildpackFixture.write("python", in: scene.builtIns, detect: "exit 1")
        try Posix.mkdir(scene.installed + "/.install-x-abc")  // an install in progress is not a buildpack
        let names = try scene.builder().catalog.detectionCandidates().map(\.name.rawValue)
        #expect(names == ["python", "alpha", "beta", "procfile", "zeta"])
    }

    @Test func nothingDetectedListsWhatWasTried() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        await #expect(throws: BuildError.noneDetected(tried: ["alpha", "beta", "procfile"])) {
            try await scene.run(try scene.builder())
        }
        let message = BuildError.noneDetected(tried: ["alpha", "beta", "procfile"]).description
        #expect(message == "no buildpack detected this app; tried alpha, beta, procfile")
    }

    /// `.buildpacks` runs several buildpacks in order; each one's detect still runs and its name is shown; the
    /// later release wins.
    @Test func buildpacksFileRunsSeveralInOrder() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try BuildpackFixture.accepting(
            "gamma", marker: "alpha.txt", shown: "Gamma", in: scene.installed,
            release: "default_process_types:\n  web: gamma-web\n  worker: gamma-worker\nconfig_vars:\n  A: gamma")
        try scene.file("alpha.txt")
        try scene.file(".buildpacks", "# two of them\ngamma\nalpha\n")
        let (result, lines) = try await scene.run(try scene.builder())
        #expect(result.buildpacks == ["gamma", "alpha"])
        #expect(try scene.compiled() == ["gamma", "alpha"])
        #expect(lines.filter { $0.hasSuffix(" app detected") || $0.contains("app detected (") }.count == 2)
        #expect(
            result.release.defaultProcessTypes == [
                try ProcessType("web"): "run-alpha", try ProcessType("worker"): "gamma-worker",
            ])
        #expect(result.release.configVars == [try EnvKey("A"): "gamma"])
    }

    /// BUILDPACK_URL beats `.buildpacks` and detection; a chosen buildpack that does not accept fails the build.
    @Test func buildpackURLChoosesAndMustBeAccepted() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("alpha.txt")
        try scene.file(".buildpacks", "alpha\n")
        let url = try EnvKey("BUILDPACK_URL")
        await #expect(throws: BuildError.notAccepted(buildpack: "beta", .exited(1))) {
            try await scene.run(try scene.builder(), env: [url: "beta"])
        }
        try scene.file("beta.txt")
        #expect(try await scene.run(try scene.builder(), env: [url: "heroku/beta"]).0.buildpacks == ["beta"])
        await #expect(throws: BuildError.notInstalled(url: "https://example.com/x.git", from: "BUILDPACK_URL")) {
            try await scene.run(try scene.builder(), env: [url: "https://example.com/x.git"])
        }
        await #expect(
            throws: BuildError.unknownBuildpack("nope", from: "BUILDPACK_URL", known: ["alpha", "beta", "procfile"])
        ) {
            try await scene.run(try scene.builder(), env: [url: "nope"])
        }
    }

    /// Every non-zero exit fails the build, with a message naming the buildpack and the program.
    @Test func compileAndReleaseFailuresNameTheBuildpack() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("alpha.txt")
        try BuildpackFixture.write("alpha", in: scene.builtIns, detect: "echo Alpha", compile: "echo oops >&2; exit 3")
        await #expect(throws: BuildError.failed(buildpack: "alpha", program: "compile", .exited(3))) {
            try await scene.run(try scene.builder())
        }
        try BuildpackFixture.write("alpha", in: scene.builtIns, detect: "echo Alpha", release: "exit 2")
        await #expect(throws: BuildError.failed(buildpack: "alpha", program: "release", .exited(2))) {
            try await scene.run(try scene.builder())
        }
        try BuildpackFixture.write("alpha", in: scene.builtIns, detect: "echo Alpha", release: "echo '- web'")
        await #expect(throws: BuildError.release(buildpack: "alpha", reason: "printed YAML that is not a map: a list"))
        {
            try await scene.run(try scene.builder())
        }
    }

    /// A compile past its limit is stopped and says so.
    @Test func hungCompileIsStopped() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("alpha.txt")
        try BuildpackFixture.write("alpha", in: scene.builtIns, detect: "echo Alpha", compile: "sleep 30")
        let settings = BuildSettings(compileTimeout: .milliseconds(300), grace: .seconds(1), stack: "dokuen-test")
        let error = try await #require(throws: BuildError.self) {
            try await scene.run(try scene.builder(settings: settings))
        }
        #expect(error.description == "the alpha buildpack's compile took more than 0.3 s and was stopped")
    }

    /// compile gets exactly BUILD_DIR CACHE_DIR ENV_DIR and the platform's clean environment, with the app's env
    /// not exported.
    @Test func compileGetsTheHerokuArgumentsAndACleanEnvironment() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("alpha.txt")
        try BuildpackFixture.write(
            "alpha", in: scene.builtIns, detect: "echo Alpha",
            compile: "echo \"args=$*\"; env | sort; pwd")
        let (_, lines) = try await scene.run(try scene.builder(), env: [try EnvKey("SECRET"): "x"])
        let body = Array(
            lines.drop { !$0.hasPrefix("-----> Compiling") }.dropFirst().prefix { !$0.hasPrefix("-----> ") })
        #expect(
            body == [
                "       args=\(scene.build) \(scene.temp("cache")) \(scene.temp("env"))", "       HOME=\(scene.build)",
                "       PATH=/usr/local/bin:/usr/bin:/bin", "       PWD=\(scene.build)", "       STACK=dokuen-test",
                "       \(scene.build)",
            ])
    }

    /// The platform's shared runtimes directory reaches every program as DOKUEN_RUNTIMES_DIR (buildpacks/README.md).
    @Test func theRuntimesDirectoryIsPassedWhenThePlatformHasOne() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("alpha.txt")
        try BuildpackFixture.write(
            "alpha", in: scene.builtIns, detect: "echo Alpha", compile: "echo \"runtimes=${DOKUEN_RUNTIMES_DIR-unset}\""
        )
        let settings = BuildSettings(stack: "dokuen-test", runtimesDirectory: scene.temp("runtimes"))
        let (_, lines) = try await scene.run(try scene.builder(settings: settings))
        #expect(lines.contains("       runtimes=\(scene.temp("runtimes"))"))
        let (_, without) = try await scene.run(try scene.builder())
        #expect(without.contains("       runtimes=unset"))
    }

    @Test func releaseNotesShowConfigDefaultsAndIgnoredAddons() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try scene.file("alpha.txt")
        try scene.file("Procfile", "web: mine\n")
        try BuildpackFixture.accepting(
            "alpha", marker: "alpha.txt", shown: "Alpha", in: scene.builtIns,
            release: "default_process_types: {web: theirs}\nconfig_vars: {B: '2', A: '1'}\naddons: [heroku-postgresql]")
        let (result, lines) = try await scene.run(try scene.builder())
        #expect(result.release.addons == ["heroku-postgresql"])
        #expect(
            Array(lines.suffix(3)) == [
                "       Default types for buildpack alpha -> web (unused: the Procfile wins)",
                "       Config var defaults from alpha: A, B",
                "       Add-ons ignored (Dokuen has none; provision them yourself): heroku-postgresql",
            ])
    }

    /// A buildpack missing a program is named, rather than failing with ENOENT.
    @Test func missingProgramIsNamed() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        try Posix.unlink(scene.builtIns + "/alpha/bin/release")
        await #expect(throws: BuildError.missingProgram(buildpack: "alpha", program: "release")) {
            try await scene.run(try scene.builder())
        }
    }

    /// As root, the whole build runs as the `dokuen` user (invariant 7).
    @Test(.enabled(if: Posix.geteuid() == 0 && ChildProcess.Credentials.lookup(user: "dokuen") != nil))
    func buildRunsAsTheUnprivilegedUser() async throws {
        let scene = try Scene()
        defer { scene.temp.remove() }
        let dokuen = try #require(ChildProcess.Credentials.lookup(user: "dokuen"))
        try scene.file("alpha.txt")
        try BuildpackFixture.write(
            "alpha", in: scene.builtIns, detect: "echo Alpha", compile: "id -un; touch \"$1/made\"")
        // The temp root is root's and private: let the build user reach the build directory.
        _ = try runProgram("/bin/chmod", ["755", scene.temp.path])
        _ = try runProgram("/bin/chown", ["-R", "dokuen", scene.build])
        let settings = BuildSettings(user: dokuen, stack: "dokuen-test")
        let (_, lines) = try await scene.run(try scene.builder(settings: settings))
        #expect(lines.contains("       dokuen"))
        let made = try #require(try Posix.lstat(scene.build + "/made"))
        #expect(made.uid == dokuen.uid)
    }
}
