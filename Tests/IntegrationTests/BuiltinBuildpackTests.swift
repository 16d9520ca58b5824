import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built-in buildpacks (`buildpacks/`) and the third-party fixture buildpack, run outside the daemon the way
/// the platform runs them: `detect`, `compile` and `release` as real processes, as the `dokuen` user when the tests
/// run as root, then each fixture app (`Tests/Fixtures/apps/`) started through its `.profile.d` scripts answers
/// on its port.
@Suite(.timeLimit(.minutes(5))) struct BuiltinBuildpackTests {
    static let repository = String(#filePath.prefix(upTo: #filePath.range(of: "/Tests/")!.lowerBound))
    /// The PATH of builds and apps (docs/DESIGN.md §2, the instance environment's platform defaults).
    static let path = "/usr/local/bin:/usr/bin:/bin"
    static let builtins = ["procfile", "static", "python", "node", "go"]

    /// One fixture app, its buildpack and what must come of them.
    struct Fixture: Sendable, CustomTestStringConvertible {
        let app: String
        let buildpack: String
        let detected: String
        /// The app's config, written to ENV_DIR.
        var env: [String: String] = [:]
        /// `release`'s whole output.
        let release: String
        /// What `GET /` answers.
        let body: String

        var testDescription: String { app }
    }

    static func builtin(_ name: String) -> String { repository + "/buildpacks/" + name }

    static let noDefaults = "---\naddons: []\nconfig_vars: {}\ndefault_process_types: {}\n"

    static let fixtures = [
        Fixture(
            app: "procfile", buildpack: builtin("procfile"), detected: "Procfile", release: noDefaults,
            body: "hello from procfile\n"),
        Fixture(
            app: "static", buildpack: builtin("static"), detected: "Static",
            release: """
                ---
                addons: []
                config_vars: {}
                default_process_types:
                  static: public

                """,
            body: "hello from static\n"),
        Fixture(
            app: "python", buildpack: builtin("python"), detected: "Python", release: noDefaults,
            body: "hello from python 1.0 (six 1.16.0)\n"),
        Fixture(
            app: "node", buildpack: builtin("node"), detected: "Node.js",
            release: "---\naddons: []\nconfig_vars: {}\ndefault_process_types:\n  web: npm start\n",
            body: "hello from node 1.0\n"),
        Fixture(
            app: "go", buildpack: builtin("go"), detected: "Go",
            release: "---\naddons: []\nconfig_vars: {}\ndefault_process_types:\n  web: hello\n",
            body: "hello from go 1.0\n"),
        Fixture(
            app: "third-party", buildpack: repository + "/Tests/Fixtures/buildpacks/third-party",
            detected: "Third-party fixture", env: ["GREETING": "howdy"],
            release: """
                ---
                addons: []
                config_vars:
                  GREETING_SOURCE: buildpack
                default_process_types:
                  web: exec python3 server.py

                """,
            body: "howdy from third-party (GREETING_SOURCE=buildpack, profile=sourced)\n"),
    ]

    @Test(arguments: fixtures) func buildsItsFixtureAndTheAppAnswers(_ fixture: Fixture) throws {
        let build = try BuildpackRun(app: fixture.app, env: fixture.env)
        defer { build.remove() }

        let detect = try build.run(fixture.buildpack + "/bin/detect", [build.buildDir])
        #expect(detect.status == .exited(0), "\(detect.standardError)")
        #expect(detect.standardOutput == fixture.detected + "\n")

        let compile = try build.compile(fixture.buildpack)
        #expect(compile.status == .exited(0), "\(compile.standardOutput)\(compile.standardError)")
        for line in compile.standardOutput.split(separator: "\n") {
            #expect(line.hasPrefix("-----> ") || line.hasPrefix("       "), "Heroku-style output: \(line)")
        }

        let release = try build.run(fixture.buildpack + "/bin/release", [build.buildDir])
        #expect(release.status == .exited(0), "\(release.standardError)")
        #expect(release.standardOutput == fixture.release)

        // The Procfile wins; default_process_types is used only without one.
        let procfile = try? Posix.readFile(build.buildDir + "/Procfile")
        let defaults = Self.section("default_process_types", of: release.standardOutput)
        // A `static` entry is a directory nginx serves; without nginx, dokuend serves it with this stand-in.
        let standIn = defaults["static"].map { "exec python3 -m http.server $PORT --bind 127.0.0.1 --directory \($0)" }
        let web = try #require(
            procfile.flatMap { Self.entries(String(decoding: $0, as: UTF8.self)) }?["web"] ?? defaults["web"] ?? standIn
        )
        let configVars = Self.section("config_vars", of: release.standardOutput)
        #expect(try build.serve(web, configVars: configVars) == fixture.body)
    }

    @Test(arguments: builtins) func detectRejectsAnEmptyDirectory(_ name: String) throws {
        let build = try BuildpackRun(app: nil)
        defer { build.remove() }
        let detect = try build.run(Self.builtin(name) + "/bin/detect", [build.buildDir])
        #expect(detect.status == .exited(1))
        #expect(detect.standardOutput == "")
    }

    /// A second build with the same CACHE_DIR installs the requirements from the cache: without the network where
    /// the test can take it away (`unshare -n`, as root). The durations go to the log, never into an assertion.
    @Test func aSecondPythonBuildInstallsFromTheCache() throws {
        let first = try BuildpackRun(app: "python")
        defer { first.remove() }
        var started = monotonicMilliseconds()
        let cold = try first.compile(Self.builtin("python"))
        let coldMilliseconds = monotonicMilliseconds() - started
        #expect(cold.status == .exited(0), "\(cold.standardOutput)\(cold.standardError)")
        #expect(cold.standardOutput.contains("-----> Installing requirements with uv pip install\n"))

        let second = try BuildpackRun(app: "python", cacheFrom: first)
        defer { second.remove() }
        let offline = geteuid() == 0 && which("unshare") != nil
        started = monotonicMilliseconds()
        let warm = try second.compile(Self.builtin("python"), withoutNetwork: offline)
        let warmMilliseconds = monotonicMilliseconds() - started
        #expect(warm.status == .exited(0), "\(warm.standardOutput)\(warm.standardError)")
        #expect(
            warm.standardOutput.contains(
                "-----> Installing requirements from the cache (requirements.txt is unchanged)\n"))
        #expect(!warm.standardOutput.contains("Downloading"))
        print(
            "python compile of Tests/Fixtures/apps/python: first \(coldMilliseconds) ms, second \(warmMilliseconds) ms"
                + (offline ? " (without network)" : ""))
        #expect(try second.serve("python app.py") == "hello from python 1.0 (six 1.16.0)\n")
    }

    /// `name: command` lines (enough of the Procfile format for the fixtures).
    static func entries(_ text: String) -> [String: String] {
        var entries: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            entries[String(line[..<colon])] = String(line[line.index(after: colon)...].trimmingPrefix(" "))
        }
        return entries
    }

    /// The `  key: value` lines under `name:` in release YAML (enough of YAML for these buildpacks).
    static func section(_ name: String, of yaml: String) -> [String: String] {
        let lines = yaml.split(separator: "\n")
        guard let header = lines.firstIndex(of: Substring(name + ":")) else { return [:] }
        let body = lines[(header + 1)...].prefix { $0.hasPrefix("  ") }.map { $0.dropFirst(2) }
        return entries(body.joined(separator: "\n"))
    }
}

/// One build of a fixture app in a temporary directory: BUILD_DIR, CACHE_DIR and ENV_DIR, owned by `dokuen`
/// when the tests run as root, with the root directory traversable for it.
struct BuildpackRun {
    let temp: TemporaryDirectory
    let cacheDir: String
    var buildDir: String { temp("build") }
    var envDir: String { temp("env") }

    /// Copies the fixture `app` (none: an empty app) and writes `env` to ENV_DIR. The cache is fresh, or
    /// `cacheFrom`'s.
    init(app: String?, env: [String: String] = [:], cacheFrom other: BuildpackRun? = nil) throws {
        temp = try TemporaryDirectory("bp")
        cacheDir = other?.cacheDir ?? temp("cache")
        try Posix.chmod(temp.path, 0o755)
        for directory in [buildDir, envDir] + (other == nil ? [cacheDir] : []) { try Posix.mkdir(directory) }
        if let app {
            let source = BuiltinBuildpackTests.repository + "/Tests/Fixtures/apps/" + app
            let copy = try runProgram("/bin/cp", ["-a", source + "/.", buildDir])
            guard copy.status == .exited(0) else { throw ProgramRunError(description: copy.standardError) }
        }
        for (key, value) in env { try AtomicFile.write(Array(value.utf8), to: envDir + "/" + key) }
        if geteuid() == 0 {
            let chown = try runProgram("/bin/chown", ["-R", "dokuen:dokuen", buildDir, cacheDir])
            guard chown.status == .exited(0) else {
                throw ProgramRunError(description: "\(chown.standardError) (scripts/deps test creates dokuen)")
            }
        }
    }

    func remove() { temp.remove() }

    /// The argv that runs `program` as an unprivileged user, as the platform would run a build (`dokuen` stands in
    /// for an app's user) when the tests run as root.
    func command(_ program: String, _ arguments: [String], withoutNetwork: Bool = false) -> (String, [String]) {
        guard geteuid() == 0, let setpriv = which("setpriv") else { return (program, arguments) }
        let drop = ["--reuid=dokuen", "--regid=dokuen", "--init-groups", program] + arguments
        if withoutNetwork, let unshare = which("unshare") { return (unshare, ["-n", setpriv] + drop) }
        return (setpriv, drop)
    }

    /// Runs a buildpack step with the build environment: PATH, and HOME = the build directory.
    func run(_ program: String, _ arguments: [String], withoutNetwork: Bool = false) throws -> ProgramResult {
        let (executable, argv) = command(program, arguments, withoutNetwork: withoutNetwork)
        return try runProgram(
            executable, argv, environment: ["PATH": BuiltinBuildpackTests.path, "HOME": buildDir],
            deadlineSeconds: 240)
    }

    func compile(_ buildpack: String, withoutNetwork: Bool = false) throws -> ProgramResult {
        try run(buildpack + "/bin/compile", [buildDir, cacheDir, envDir], withoutNetwork: withoutNetwork)
    }

    /// Starts `command` as the platform will start a process: `/bin/sh` sources every `.profile.d/*.sh` in the
    /// build directory, then runs the command, with HOME = the build directory and a free PORT. Returns what
    /// `GET /` answers, and stops the app.
    func serve(_ command: String, configVars: [String: String] = [:]) throws -> String {
        let busy = Posix.listeningTCPPorts()
        let port = try #require((20000..<30000).filter { !busy.contains($0) }.randomElement())
        let script = """
            cd '\(buildDir)' || exit 1
            for script in .profile.d/*.sh; do if [ -r "$script" ]; then . "./$script"; fi; done
            \(command)
            """
        var environment = configVars
        environment.merge(
            [
                "PATH": BuiltinBuildpackTests.path, "HOME": buildDir, "PORT": "\(port)", "BIND_ADDRESS": "127.0.0.1",
                "HOST": "127.0.0.1", "DYNO": "web.1",
            ], uniquingKeysWith: { $1 })
        let (executable, argv) = self.command("/bin/sh", ["-c", script])
        let app = try BackgroundProgram(executable, argv, environment: environment)
        defer { app.stop() }
        // Readiness is a bounded retry up to a deadline (docs/DESIGN.md §2), here in Python's urllib.
        let get = """
            import sys, time, urllib.request
            deadline = time.monotonic() + 30
            while True:
                try:
                    print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode(), end="")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            """
        let answer = try runProgram("/usr/bin/python3", ["-c", get, "http://127.0.0.1:\(port)/"])
        #expect(answer.status == .exited(0), "\(answer.standardError)\napp: \(app.standardError)")
        return answer.standardOutput
    }
}
