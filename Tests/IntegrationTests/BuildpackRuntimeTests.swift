import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 23: the built-in buildpacks build as Heroku's do. The runtime an app asks for (or one line, within
/// seconds, when it cannot be had), the lockfile's exact versions (uv, Poetry), Django's collectstatic, Python's
/// hooks, Node's build script and pruned devDependencies. Real builds: `compile` runs as the `dokuen` user (when
/// the tests run as root) through `BuildpackRun`, and the Django app deploys through a real dokuend. PyPI must be
/// reachable; npm's registry and Go's proxy need not be (the Node app's dependencies are vendored).
@Suite(.timeLimit(.minutes(5))) struct BuildpackRuntimeTests {
    static let repository = BuiltinBuildpackTests.repository
    static func builtin(_ name: String) -> String { BuiltinBuildpackTests.builtin(name) }

    // MARK: - Which file wins

    /// What lib/python_version.py and lib/node_version.js decide for a directory holding `files`.
    func request(_ program: [String], _ files: [String: String]) throws -> String {
        let temp = try TemporaryDirectory("ver")
        defer { temp.remove() }
        for (name, text) in files { try AtomicFile.write(Array(text.utf8), to: temp(name)) }
        let result = try runProgram(program[0], Array(program.dropFirst()) + ["request", temp.path])
        return result.status == .exited(0)
            ? result.standardOutput.replacingOccurrences(of: "\u{1f}", with: " | ").trimmingCharacters(in: .newlines)
            : "error: " + result.standardError.trimmingCharacters(in: .newlines)
    }

    static let pyproject = "[project]\nname = \"x\"\nrequires-python = \">=3.10\"\n"

    @Test func pythonPrecedenceIsPythonVersionThenRuntimeTxtThenRequiresPython() throws {
        let python = ["/usr/bin/python3", Self.builtin("python") + "/lib/python_version.py"]
        let cases: [([String: String], String)] = [
            ([:], " |  | default"),
            (["pyproject.toml": Self.pyproject], ">=3.10 | pyproject.toml's requires-python | range"),
            (
                ["pyproject.toml": Self.pyproject, "runtime.txt": "python-3.12.4\n"],
                "3.12.4 | runtime.txt | exact"
            ),
            (
                [
                    "pyproject.toml": Self.pyproject, "runtime.txt": "python-3.12.4\n",
                    ".python-version": "# the team's Python\n3.13\n",
                ], "3.13 | .python-version | minor"
            ),
            (
                [
                    "pyproject.toml": Self.pyproject,
                    "Pipfile.lock": "{\"_meta\": {\"requires\": {\"python_version\": \"3.12\"}}}",
                ],
                "3.12 | Pipfile.lock's python_version | minor"
            ),
            (
                [".python-version": "latest\n"],
                "error: .python-version asks for Python 'latest', which is not a version: write 3.13 or 3.13.1"
            ),
            (
                ["runtime.txt": "3.12\n"],
                "error: runtime.txt says '3.12': write python-3.13 (or, better, 3.13 in .python-version)"
            ),
        ]
        for (files, expected) in cases {
            #expect(try request(python, files) == expected, "\(files.keys.sorted())")
        }
    }

    @Test func nodePrecedenceIsEnginesThenNvmrcThenNodeVersion() throws {
        let node = [try #require(which("node")), Self.builtin("node") + "/lib/node_version.js"]
        let engines = "{\"name\": \"x\", \"engines\": {\"node\": \"22.x\"}}"
        let cases: [([String: String], String)] = [
            (["package.json": "{}"], " | "),
            (["package.json": "{}", ".node-version": "20.1.0\n"], "20.1.0 | .node-version"),
            (["package.json": "{}", ".node-version": "20.1.0\n", ".nvmrc": "v18\n"], "v18 | .nvmrc"),
            (
                ["package.json": engines, ".node-version": "20.1.0\n", ".nvmrc": "v18\n"],
                "22.x | package.json's engines.node"
            ),
            (
                ["package.json": "{}", ".nvmrc": "lts/iron\n"],
                "error: .nvmrc asks for Node.js 'lts/iron', which is not a version range: write 22, 22.x or >=20"
            ),
        ]
        for (files, expected) in cases {
            #expect(try request(node, files) == expected, "\(files.keys.sorted())")
        }
        // npm's range grammar, against one version.
        for (range, holds) in [
            (">=20", true), ("20.x", true), ("^20.1.0", true), ("~20.5", false), ("18 || 20", true),
            ("1.2 - 20.4", true), ("1.2 - 20.3", false), (">20", false), ("<=20", true), ("lts/*", true),
            ("node", true), ("21", false),
        ] {
            let result = try runProgram(node[0], [node[1], "satisfies", range, "v20.4.1"])
            #expect((result.status == .exited(0)) == holds, "\(range)")
        }
    }

    // MARK: - A runtime that cannot be had fails fast, in one line

    /// A URL on loopback where nothing listens: a mirror that cannot be reached, whatever the machine's network.
    static func unreachableMirror() -> String { "http://127.0.0.1:\(freeTCPPort())/mirror" }

    /// Compiles `app` after `change` and expects a refusal within 10 s: exit 1, one ` !     ` line on stderr
    /// holding each of `mentions`, and nothing installed.
    func expectFastRefusal(
        app: String, buildpack: String, env: [String: String], mentions: [String],
        change: (BuildpackRun) throws -> Void
    ) throws {
        let build = try BuildpackRun(app: app, env: env)
        defer { build.remove() }
        try change(build)
        let started = monotonicMilliseconds()
        let compile = try build.compile(Self.builtin(buildpack))
        let elapsed = monotonicMilliseconds() - started
        #expect(compile.status == .exited(1), "\(compile.standardOutput)\(compile.standardError)")
        #expect(elapsed < 10_000, "refused after \(elapsed) ms")
        let lines = compile.standardError.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(compile.standardError)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix(" !     "), "\(line)")
        for mention in mentions { #expect(line.contains(mention), "\(mention) in: \(line)") }
        for installing in ["virtualenv", "Installing", "Building", "Running"] {
            #expect(!compile.standardOutput.contains(installing), "\(compile.standardOutput)")
        }
        print("\(buildpack): refused in \(elapsed) ms: \(line)")
    }

    /// The host's `X.Y` of `python3 --version` and such, parsed from `text`.
    static func version(in text: String) throws -> [Int] {
        let match = try #require(text.firstMatch(of: /(\d+)\.(\d+)(?:\.(\d+))?/))
        return [Int(match.1)!, Int(match.2)!, match.3.map { Int($0)! } ?? 0]
    }

    @Test func aPythonVersionTheHostLacksFailsBeforePipRuns() throws {
        let host = try Self.version(in: try runProgram("/usr/bin/python3", ["--version"]).standardOutput)
        let wanted = "\(host[0]).\(host[1] + 1)"
        let mirror = Self.unreachableMirror()
        try expectFastRefusal(
            app: "python", buildpack: "python", env: ["UV_PYTHON_INSTALL_MIRROR": mirror],
            mentions: [
                "Python \(wanted)", ".python-version", "it has Python \(host[0]).\(host[1]).\(host[2])",
                "UV_PYTHON_INSTALL_MIRROR", mirror, "python\(wanted)",
            ]
        ) { build in try build.write(wanted + "\n", to: ".python-version") }
    }

    /// A reachable mirror that lacks the release: uv python install runs, says why in its own words, and the build
    /// fails with the one line after them, keeping nothing.
    @Test func aPythonMirrorWithoutTheReleaseFailsWithUvsWords() throws {
        let host = try Self.version(in: try runProgram("/usr/bin/python3", ["--version"]).standardOutput)
        let wanted = "\(host[0]).\(host[1] + 1)"
        let empty = try TemporaryDirectory("pymirror")
        defer { empty.remove() }
        try Posix.chmod(empty.path, 0o755)
        let server = try FileServer(empty.path)
        defer { server.stop() }
        let build = try BuildpackRun(app: "python", env: ["UV_PYTHON_INSTALL_MIRROR": server.url])
        defer { build.remove() }
        try build.write(wanted + "\n", to: ".python-version")
        let compile = try build.compile(Self.builtin("python"))
        #expect(compile.status == .exited(1))
        #expect(
            compile.standardOutput.contains(
                "-----> Downloading Python \(wanted) (.python-version asks for \(wanted)) with uv python install\n"))
        #expect(compile.standardOutput.contains("404"), "uv's words: \(compile.standardOutput)")
        #expect(
            compile.standardError.hasPrefix(
                " !     Python \(wanted), which .python-version asks for, is not on this host (it has Python "
                    + "\(host[0]).\(host[1]).\(host[2])) and uv could not install it from \(server.url) (output above)")
        )
        #expect(try Posix.listDirectory(build.cacheDir + "/runtimes/python").isEmpty)
        #expect(!compile.standardOutput.contains("virtualenv"))
    }

    @Test func aNodeVersionTheHostLacksFailsBeforeNpmRuns() throws {
        let host = try Self.version(in: try runProgram(try #require(which("node")), ["--version"]).standardOutput)
        let wanted = ">=\(host[0] + 1)"
        try expectFastRefusal(
            app: "node-build", buildpack: "node", env: ["NODEJS_ORG_MIRROR": Self.unreachableMirror()],
            mentions: [
                "Node.js '\(wanted)'", "package.json's engines.node", "it has v\(host[0]).\(host[1]).\(host[2])",
                "NODEJS_ORG_MIRROR",
            ]
        ) { build in
            let text = try String(contentsOfFile: build.buildDir + "/package.json", encoding: .utf8)
            try build.write(
                text.replacingOccurrences(
                    of: "\"private\": true,", with: "\"private\": true, \"engines\": {\"node\": \"\(wanted)\"},"),
                to: "package.json")
        }
    }

    @Test func aGoVersionTheHostLacksFailsBeforeTheBuild() throws {
        let host = try Self.version(in: try runProgram(try #require(which("go")), ["version"]).standardOutput)
        let wanted = "1.\(host[1] + 1)"
        let mirror = Self.unreachableMirror()
        try expectFastRefusal(
            app: "go", buildpack: "go", env: ["GO_DIST_MIRROR": mirror, "GOPROXY": Self.unreachableMirror()],
            mentions: [
                "Go \(wanted).3", "go.mod's toolchain line", "it has \(host[0]).\(host[1])", "GO_DIST_MIRROR", mirror,
            ]
        ) { build in
            let text = try String(contentsOfFile: build.buildDir + "/go.mod", encoding: .utf8)
            try build.write(
                text.replacing(/^go .*$/.anchorsMatchLineEndings(), with: "go \(wanted)") + "toolchain go\(wanted).3\n",
                to: "go.mod")
        }
    }

    /// A mirror that takes the connection and never answers (a firewall's tarpit) is given up within seconds too.
    @Test func aMirrorThatNeverAnswersIsGivenUpWithinSeconds() throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let host = try Self.version(in: try runProgram(try #require(which("node")), ["--version"]).standardOutput)
        try expectFastRefusal(
            app: "node", buildpack: "node", env: ["NODEJS_ORG_MIRROR": "http://127.0.0.1:\(listener.port)"],
            mentions: ["Node.js '\(host[0] + 1)'", "timed out", "NODEJS_ORG_MIRROR"]
        ) { build in try build.setEngines("\(host[0] + 1)") }
    }

    /// The python, node and go buildpacks each carry lib/fetch.py (a buildpack must stand alone): one file.
    @Test func everyBuildpacksFetchScriptIsTheSame() throws {
        let copies = try ["python", "node", "go"].map { try Posix.readFile(Self.builtin($0) + "/lib/fetch.py") }
        #expect(copies.allSatisfy { $0 == copies[0] })
    }

    // MARK: - Lockfiles: exactly the locked versions

    @Test(arguments: [
        ("python-uv", "uv sync --locked (uv.lock)", "needs to be updated, but `--locked` was provided"),
        (
            "python-poetry", "poetry sync --only main (poetry.lock)",
            "pyproject.toml changed significantly since poetry.lock was last generated"
        ),
        (
            "python-pipenv", "uv pip install (Pipfile.lock)",
            "Pipfile.lock is out of date: the Pipfile changed after it was locked"
        ),
    ]) func aLockedProjectRunsItsLockedVersionAndAStaleLockFails(app: String, step: String, stale: String) throws {
        let build = try BuildpackRun(app: app)
        defer { build.remove() }
        let compile = try build.compile(Self.builtin("python"))
        #expect(compile.status == .exited(0), "\(compile.standardOutput)\(compile.standardError)")
        #expect(compile.standardOutput.contains("-----> Installing the locked packages with \(step)\n"))
        // six 1.17.0 is the newest; the lock pins 1.16.0.
        #expect(try build.serve("python app.py") == "hello from \(app) (six 1.16.0)\n")

        // The project changed, the lock not: the tool's own explanation (ours for Pipfile.lock), and the build fails.
        let again = try BuildpackRun(app: app, cacheFrom: build)
        defer { again.remove() }
        let project = app == "python-pipenv" ? "Pipfile" : "pyproject.toml"
        let text = try String(contentsOfFile: again.buildDir + "/" + project, encoding: .utf8)
        let changed = text.replacingOccurrences(
            of: "dependencies = [\"six\"]", with: "dependencies = [\"six\", \"idna\"]"
        )
        .replacingOccurrences(of: "six = \"==1.16.0\"", with: "six = \"==1.16.0\"\nidna = \"*\"")
        #expect(changed != text)
        try again.write(changed, to: project)
        let refused = try again.compile(Self.builtin("python"))
        #expect(refused.status == .exited(1))
        #expect((refused.standardOutput + refused.standardError).contains(stale), "\(refused.standardOutput)")
        #expect(refused.standardError.hasPrefix(" !     "), "\(refused.standardError)")
    }

    /// Two package manager files, or a Pipfile that nothing locks, are refused in one line before anything runs.
    @Test(arguments: [
        (
            ["poetry.lock": "# a lock\n"],
            " !     several package manager files: requirements.txt, poetry.lock; keep the one you use and delete the "
                + "others (Heroku refuses this too)\n"
        ),
        (
            ["Pipfile": "[packages]\nsix = \"*\"\n"],
            " !     there is a Pipfile but no Pipfile.lock, so nothing pins the versions: run `pipenv lock` and commit "
                + "Pipfile.lock (or delete the Pipfile)\n"
        ),
    ]) func ambiguousPackageManagerFilesAreRefused(files: [String: String], refusal: String) throws {
        let build = try BuildpackRun(app: "python")
        defer { build.remove() }
        for (name, text) in files { try build.write(text, to: name) }
        let compile = try build.compile(Self.builtin("python"))
        #expect(compile.status == .exited(1))
        #expect(compile.standardOutput == "")
        #expect(compile.standardError == refusal)
    }

    // MARK: - Hooks

    @Test func preAndPostCompileRunWithTheConfigAndAFailureFailsTheBuild() throws {
        let build = try BuildpackRun(app: "python", env: ["GREETING": "howdy"])
        defer { build.remove() }
        try build.write("#!/bin/sh\necho \"pre_compile sees GREETING=$GREETING\"\n", to: "bin/pre_compile", mode: 0o755)
        try build.write(
            """
            #!/usr/bin/env bash
            set -euo pipefail
            echo "post_compile sees GREETING=$GREETING"
            python -c 'import six; print(six.__version__)' > six-version.txt

            """, to: "bin/post_compile", mode: 0o755)
        let compile = try build.compile(Self.builtin("python"))
        #expect(compile.status == .exited(0), "\(compile.standardOutput)\(compile.standardError)")
        #expect(
            compile.standardOutput.contains(
                "-----> Running bin/post_compile\n       post_compile sees GREETING=howdy\n"))
        // pre_compile runs once the Python is chosen, before the venv and the install.
        let output = compile.standardOutput
        let pre = try #require(
            output.range(of: "-----> Running bin/pre_compile\n       pre_compile sees GREETING=howdy\n"))
        let venv = try #require(output.range(of: "-----> Creating a virtualenv"))
        #expect(pre.upperBound <= venv.lowerBound)
        #expect(String(decoding: try Posix.readFile(build.buildDir + "/six-version.txt"), as: UTF8.self) == "1.16.0\n")

        let failing = try BuildpackRun(app: "python", cacheFrom: build)
        defer { failing.remove() }
        try failing.write("#!/bin/sh\necho 'migrations are missing'\nexit 3\n", to: "bin/post_compile", mode: 0o644)
        let refused = try failing.compile(Self.builtin("python"))
        #expect(refused.status == .exited(1))
        #expect(refused.standardOutput.hasSuffix("-----> Running bin/post_compile\n       migrations are missing\n"))
        #expect(refused.standardError == " !     bin/post_compile failed (its output is above)\n")
    }

    // MARK: - Django

    /// The Heroku-style Django app deploys through dokuend, collectstatic ran, and WhiteNoise serves the hashed
    /// file that the page's `{% static %}` names.
    @Test func aDjangoAppDeploysAndServesItsStaticFiles() throws {
        let daemon = try DaemonHarness(label: "django")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "django"]).status == .exited(0))
        let started = monotonicMilliseconds()
        let deployed = try daemon.dokuen(["deploy", "django", Self.repository + "/Tests/Fixtures/apps/django"])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        #expect(deployed.standardOutput.contains("-----> Python 3."), "\(deployed.standardOutput)")
        #expect(deployed.standardOutput.contains("(.python-version asks for 3.11)"))
        #expect(deployed.standardOutput.contains("-----> Running manage.py collectstatic --noinput"))
        print("django: deployed in \(monotonicMilliseconds() - started) ms")

        let statuses = try daemon.waitUntil("django web RUNNING") { statuses in
            statuses.contains { $0.app == "django" && $0.type == "web" && $0.state == "RUNNING" }
        }
        let port = try #require(statuses.first { $0.app == "django" && $0.type == "web" }?.port)
        let page = try get("http://127.0.0.1:\(port)/")
        #expect(page.status == 200, "\(page.body)")
        #expect(page.body.contains("<p>hello from django</p>"))
        let href = try #require(page.body.firstMatch(of: /href="(\/static\/hello\/style\.[0-9a-f]{12}\.css)"/)?.1)
        let style = try get("http://127.0.0.1:\(port)\(href)")
        #expect(style.status == 200)
        #expect(style.body.contains("hello from django's static files"))
    }

    /// What a user reads when the Python asked for cannot be had: through `dokuen deploy`, the buildpack's one line
    /// and the failed step, within seconds, and the app keeps no release.
    @Test func aDeployAskingForAMissingPythonSaysWhyInOneLine() throws {
        let daemon = try DaemonHarness(label: "pyver")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "py"]).status == .exited(0))
        let mirror = Self.unreachableMirror()
        let set = try daemon.dokuen(["config", "set", "py", "UV_PYTHON_INSTALL_MIRROR=\(mirror)", "--no-restart"])
        #expect(set.status == .exited(0), "\(set.standardError)")
        let host = try Self.version(in: try runProgram("/usr/bin/python3", ["--version"]).standardOutput)
        let app = try TemporaryDirectory("pyapp")
        defer { app.remove() }
        let copy = try runProgram("/bin/cp", ["-a", Self.repository + "/Tests/Fixtures/apps/python/.", app.path])
        #expect(copy.status == .exited(0))
        try AtomicFile.write(Array("\(host[0]).\(host[1] + 1)\n".utf8), to: app(".python-version"))

        let started = monotonicMilliseconds()
        let deployed = try daemon.dokuen(["deploy", "py", app.path])
        let elapsed = monotonicMilliseconds() - started
        #expect(deployed.status == .exited(1))
        #expect(elapsed < 10_000, "\(elapsed) ms")
        let output = deployed.standardOutput + deployed.standardError
        let refusals = output.split(separator: "\n").filter {
            $0.contains("!     Python \(host[0]).\(host[1] + 1), which")
        }
        #expect(refusals.count == 1, "\(output)")
        #expect(refusals.first?.contains("UV_PYTHON_INSTALL_MIRROR") == true)
        #expect(output.contains("python buildpack's compile failed (exit 1)"), "\(output)")
        #expect(!output.contains("Installing"), "\(output)")
        let releases = try JSONDecoder().decode(
            [ReleaseEntry].self, from: Data(try daemon.dokuen(["releases", "py", "--json"]).stdout))
        #expect(releases.isEmpty)
        print("a deploy asking for Python \(host[0]).\(host[1] + 1), refused in \(elapsed) ms:\n\(output)")
    }

    /// `GET url` with curl: the status and the body.
    func get(_ url: String) throws -> (status: Int, body: String) {
        let result = try runProgram(
            "/usr/bin/curl", ["-sS", "--max-time", "10", "-w", "\n%{http_code}", url], deadlineSeconds: 20)
        #expect(result.status == .exited(0), "\(result.standardError)")
        let text = result.standardOutput
        let newline = try #require(text.lastIndex(of: "\n"))
        return (Int(text[text.index(after: newline)...]) ?? 0, String(text[..<newline]))
    }

    @Test func collectstaticCanBeDisabledIsSkippedWithoutStaticfilesAndItsFailureFailsTheBuild() throws {
        let disabled = try BuildpackRun(app: "django", env: ["DISABLE_COLLECTSTATIC": "1"])
        defer { disabled.remove() }
        let compile = try disabled.compile(Self.builtin("python"))
        #expect(compile.status == .exited(0), "\(compile.standardOutput)\(compile.standardError)")
        #expect(compile.standardOutput.contains("-----> Skipping manage.py collectstatic (DISABLE_COLLECTSTATIC=1)\n"))
        #expect(!Posix.isDirectory(disabled.buildDir + "/staticfiles"))

        // The app's config reaches collectstatic, as on Heroku: here, settings that do not exist.
        let broken = try BuildpackRun(
            app: "django", env: ["DJANGO_SETTINGS_MODULE": "gettingstarted.missing"], cacheFrom: disabled)
        defer { broken.remove() }
        let refused = try broken.compile(Self.builtin("python"))
        #expect(refused.status == .exited(1))
        #expect(
            refused.standardOutput.contains("No module named 'gettingstarted.missing'"), "\(refused.standardOutput)")
        #expect(refused.standardError.contains("manage.py help collectstatic failed, so Django's settings do not load"))

        // An app without Django's static files feature: nothing to collect, as on Heroku.
        let bare = try BuildpackRun(
            app: "django", env: ["DJANGO_SETTINGS_MODULE": "gettingstarted.bare"], cacheFrom: disabled)
        defer { bare.remove() }
        try bare.write(
            "from .settings import *  # noqa\n\nINSTALLED_APPS = [\"hello\"]\n", to: "gettingstarted/bare.py")
        let skipped = try bare.compile(Self.builtin("python"))
        #expect(skipped.status == .exited(0), "\(skipped.standardOutput)\(skipped.standardError)")
        #expect(
            skipped.standardOutput.contains(
                "-----> Skipping manage.py collectstatic: django.contrib.staticfiles is not in INSTALLED_APPS\n"))
    }

    // MARK: - Node

    @Test func aNodeBuildScriptRunsAndItsDevDependencyIsGoneAtRunTime() throws {
        let build = try BuildpackRun(app: "node-build")
        defer { build.remove() }
        // Vendored: nothing may come from the network (taken away where the test can, as root).
        let offline = geteuid() == 0 && which("unshare") != nil
        let compile = try build.compile(Self.builtin("node"), withoutNetwork: offline)
        #expect(compile.status == .exited(0), "\(compile.standardOutput)\(compile.standardError)")
        #expect(compile.standardOutput.contains("-----> Running build\n"))
        #expect(compile.standardOutput.contains("-----> Pruning devDependencies\n       packages removed: 1\n"))
        #expect(!Posix.isDirectory(build.buildDir + "/node_modules/fixture-builder"))
        #expect((try? Posix.lstat(build.buildDir + "/node_modules/.bin/fixture-build")) == nil)
        #expect(
            try build.serve("node server.js")
                == "hello from node-build (built by fixture-builder 1.0.0 in production; devDependency present: no)\n")
    }

    /// Lockfiles of two package managers are refused in one line before anything runs.
    @Test func nodeLockfilesOfTwoManagersAreRefused() throws {
        let build = try BuildpackRun(app: "node-build")
        defer { build.remove() }
        try build.write("{\"lockfileVersion\": 3}\n", to: "package-lock.json")
        try build.write("# yarn lockfile v1\n", to: "yarn.lock")
        let compile = try build.compile(Self.builtin("node"))
        #expect(compile.status == .exited(1))
        #expect(
            compile.standardError
                == " !     lockfiles of more than one package manager: package-lock.json, yarn.lock; keep the one you "
                + "use and delete the others (Heroku refuses this too)\n")
    }

    /// Debian's nodejs has no npm (and scripts/deps installs none): the build script runs under `sh -c` as npm
    /// would run it, and the prune needs no npm either. The build gets a PATH holding every program of /usr/bin
    /// but npm, npx and corepack.
    @Test func withoutNpmTheBuildScriptRunsAndThePruneWorks() throws {
        let bin = try TemporaryDirectory("nonpm")
        defer { bin.remove() }
        try Posix.chmod(bin.path, 0o755)
        for name in try Posix.listDirectory("/usr/bin") where !["npm", "npx", "corepack"].contains(name) {
            try Posix.symlink(target: "/usr/bin/" + name, at: bin(name))
        }
        let build = try BuildpackRun(app: "node-build")
        defer { build.remove() }
        let (executable, argv) = build.command(
            Self.builtin("node") + "/bin/compile", [build.buildDir, build.cacheDir, build.envDir])
        let compile = try runProgram(
            executable, argv, environment: ["PATH": bin.path, "HOME": build.buildDir], deadlineSeconds: 120)
        #expect(compile.status == .exited(0), "\(compile.standardOutput)\(compile.standardError)")
        #expect(
            compile.standardOutput.contains(
                "-----> Using the node_modules in the repository (nothing is downloaded)\n-----> Running build\n"
                    + "-----> Pruning devDependencies\n       packages removed: 1\n"), "\(compile.standardOutput)")
        #expect(
            String(decoding: try Posix.readFile(build.buildDir + "/public/built.txt"), as: UTF8.self)
                == "built by fixture-builder 1.0.0\n")
        #expect(!Posix.isDirectory(build.buildDir + "/node_modules/fixture-builder"))
        #expect(Posix.isDirectory(build.buildDir + "/node_modules/fixture-greeting"))
    }

    /// An official build from a mirror (NODEJS_ORG_MIRROR): the highest release that satisfies engines.node is
    /// downloaded, checked against SHASUMS256.txt, kept in the runtimes cache for the next build, and put first on
    /// the app's PATH; a tarball that does not match its checksum fails the build. The mirror is a local file
    /// server holding releases whose `node` runs the host's.
    @Test func aNodeFromAMirrorIsCheckedKeptAndUsed() throws {
        let hostNode = try #require(which("node"))
        let mirror = try TemporaryDirectory("mirror")
        defer { mirror.remove() }
        try Posix.chmod(mirror.path, 0o755)
        var index: [String] = []
        for version in ["98.1.0", "99.0.0", "99.2.1", "100.0.0"] {
            let name = "node-v\(version)-linux-x64"
            try Posix.mkdir(mirror("v" + version))
            try Posix.mkdir(mirror(name))
            try Posix.mkdir(mirror(name + "/bin"))
            try AtomicFile.write(
                Array("#!/bin/sh\n# a stand-in for node v\(version)\nexec \(hostNode) \"$@\"\n".utf8),
                to: mirror(name + "/bin/node"), mode: 0o755)
            let tar = try runProgram(
                "/bin/tar", ["-czf", mirror("v\(version)/\(name).tar.gz"), "-C", mirror.path, name])
            #expect(tar.status == .exited(0))
            let sum = try runProgram("/usr/bin/sha256sum", [mirror("v\(version)/\(name).tar.gz")])
            let digest = String(sum.standardOutput.prefix(64))
            try AtomicFile.write(Array("\(digest)  \(name).tar.gz\n".utf8), to: mirror("v\(version)/SHASUMS256.txt"))
            index.append("{\"version\": \"v\(version)\"}")
        }
        try AtomicFile.write(Array("[\(index.joined(separator: ","))]".utf8), to: mirror("index.json"))
        // 99.2.1 is corrupt: its checksum is someone else's.
        try AtomicFile.write(
            Array("\(String(repeating: "0", count: 64))  node-v99.2.1-linux-x64.tar.gz\n".utf8),
            to: mirror("v99.2.1/SHASUMS256.txt"))
        let server = try FileServer(mirror.path)
        defer { server.stop() }
        let env = ["NODEJS_ORG_MIRROR": server.url]

        let build = try BuildpackRun(app: "node", env: env)
        defer { build.remove() }
        try build.setEngines("99.0.x")
        let compile = try build.compile(Self.builtin("node"))
        #expect(compile.status == .exited(0), "\(compile.standardOutput)\(compile.standardError)")
        #expect(
            compile.standardOutput.contains(
                "-----> Downloading Node.js v99.0.0 (package.json's engines.node asks for 99.0.x)"))
        // The app runs with the downloaded node first on its PATH.
        let stub = "grep -q 'a stand-in for node v99.0.0' \"$(command -v node)\" && exec node server.js"
        #expect(try build.serve(stub) == "hello from node 1.0\n")
        let profile = String(decoding: try Posix.readFile(build.buildDir + "/.profile.d/node.sh"), as: UTF8.self)
        #expect(profile.contains("export PATH=\"$HOME/.node/bin:$PATH\""))
        #expect(Posix.isExecutableFile(build.buildDir + "/.node/bin/node"))

        // The next build takes it from the cache, with the mirror gone.
        server.stop()
        let again = try BuildpackRun(app: "node", env: env, cacheFrom: build)
        defer { again.remove() }
        try again.setEngines("^99")
        let cached = try again.compile(Self.builtin("node"))
        #expect(cached.status == .exited(0), "\(cached.standardOutput)\(cached.standardError)")
        #expect(
            cached.standardOutput.contains(
                "-----> Node.js v99.0.0 (package.json's engines.node asks for ^99): an official build, "
                    + "from the runtimes cache"
            ))

        // A tarball that does not match SHASUMS256.txt is refused.
        let server2 = try FileServer(mirror.path)
        defer { server2.stop() }
        let corrupt = try BuildpackRun(app: "node", env: ["NODEJS_ORG_MIRROR": server2.url])
        defer { corrupt.remove() }
        try corrupt.setEngines("99.2.x")
        let refused = try corrupt.compile(Self.builtin("node"))
        #expect(refused.status == .exited(1))
        #expect(
            refused.standardError.contains(
                "node-v99.2.1-linux-x64.tar.gz from \(server2.url) does not match its SHASUMS256.txt"),
            "\(refused.standardError)")
    }

    /// An official Go build from GO_DIST_MIRROR: downloaded, checked against its `.sha256`, kept, and used for the
    /// build; a tarball that does not match is refused. The mirror holds a release whose `go` runs the host's. Go
    /// 1.21 and later refuse a go line newer than themselves, and Go 1.19 knows no toolchain line, so the test asks
    /// with whichever the host's go reads; GOPROXY=off keeps Go's own switching out of it.
    @Test func aGoFromAMirrorIsCheckedKeptAndUsed() throws {
        let hostGo = try #require(which("go"))
        let realGo = try #require(
            try runProgram("/usr/bin/readlink", ["-f", hostGo]).standardOutput.split(separator: "\n").first)
        let host = try Self.version(in: try runProgram(hostGo, ["version"]).standardOutput)
        let minor = host[1] + 1
        // go1.20 and earlier are named with two numbers, go1.21.0 and later with three.
        let release = minor >= 21 ? "1.\(minor).0" : "1.\(minor)"
        let mirror = try TemporaryDirectory("gomirror")
        defer { mirror.remove() }
        try Posix.chmod(mirror.path, 0o755)
        try Posix.mkdir(mirror("go"))
        try Posix.mkdir(mirror("go/bin"))
        try AtomicFile.write(
            Array("#!/bin/sh\n# a stand-in for go\(release)\nexec \(realGo) \"$@\"\n".utf8), to: mirror("go/bin/go"),
            mode: 0o755)
        let tarball = "go\(release).linux-amd64.tar.gz"
        #expect(try runProgram("/bin/tar", ["-czf", mirror(tarball), "-C", mirror.path, "go"]).status == .exited(0))
        let digest = String(try runProgram("/usr/bin/sha256sum", [mirror(tarball)]).standardOutput.prefix(64))
        try AtomicFile.write(Array(digest.utf8), to: mirror(tarball + ".sha256"))
        let server = try FileServer(mirror.path)
        defer { server.stop() }
        let env = ["GO_DIST_MIRROR": server.url, "GOPROXY": "off"]

        func asking(_ build: BuildpackRun) throws {
            let text = try String(contentsOfFile: build.buildDir + "/go.mod", encoding: .utf8)
            let asked =
                host[1] >= 21
                ? text + "toolchain go\(release)\n"
                : text.replacing(/^go .*$/.anchorsMatchLineEndings(), with: "go 1.\(minor)")
            try build.write(asked, to: "go.mod")
        }
        let line =
            host[1] >= 21 ? "go.mod's toolchain line asks for \(release)" : "go.mod's go line asks for 1.\(minor)"
        let build = try BuildpackRun(app: "go", env: env)
        defer { build.remove() }
        try asking(build)
        let compile = try build.compile(Self.builtin("go"))
        #expect(compile.status == .exited(0), "\(compile.standardOutput)\(compile.standardError)")
        #expect(compile.standardOutput.contains("-----> Downloading Go \(release) (\(line)) from \(server.url)\n"))
        #expect(Posix.isExecutableFile(build.cacheDir + "/runtimes/go/\(release)/bin/go"))
        #expect(try build.serve("hello") == "hello from go 1.0\n")

        // The next build takes it from the cache, with the mirror gone.
        server.stop()
        let again = try BuildpackRun(app: "go", env: env, cacheFrom: build)
        defer { again.remove() }
        try asking(again)
        let cached = try again.compile(Self.builtin("go"))
        #expect(cached.status == .exited(0), "\(cached.standardOutput)\(cached.standardError)")
        #expect(
            cached.standardOutput.contains(
                "-----> Go \(release) (\(line)): an official build, from the runtimes cache\n"))

        // A tarball that does not match its .sha256 is refused, and nothing is kept.
        try AtomicFile.write(Array(String(repeating: "0", count: 64).utf8), to: mirror(tarball + ".sha256"))
        let server2 = try FileServer(mirror.path)
        defer { server2.stop() }
        let corrupt = try BuildpackRun(app: "go", env: ["GO_DIST_MIRROR": server2.url, "GOPROXY": "off"])
        defer { corrupt.remove() }
        try asking(corrupt)
        let refused = try corrupt.compile(Self.builtin("go"))
        #expect(refused.status == .exited(1))
        #expect(refused.standardError.contains("\(tarball) from \(server2.url) does not match its .sha256"))
        #expect(try Posix.listDirectory(corrupt.cacheDir + "/runtimes/go").isEmpty)
    }

    /// With users of their own, apps read the platform's runtimes directory and never write it: a Python found
    /// there builds the app (copied into the build), and uv, which is not there, goes to the app's own cache.
    @Test(.enabled(if: geteuid() == 0)) func aReadOnlySharedRuntimeIsUsedAndNothingIsWrittenThere() throws {
        let host = try Self.version(in: try runProgram("/usr/bin/python3", ["--version"]).standardOutput)
        let wanted = "\(host[0]).\(host[1] + 1)"
        let shared = try TemporaryDirectory("runtimes")
        defer { shared.remove() }
        try Posix.chmod(shared.path, 0o755)
        let python = shared("python/cpython-\(wanted).4-linux-x86_64-gnu")
        for directory in [shared("python"), python, python + "/bin"] { try Posix.mkdir(directory) }
        // A stand-in for a managed CPython of the next minor version: the host's interpreter under that name.
        try Posix.symlink(target: "/usr/bin/python3.\(host[1])", at: python + "/bin/python3")
        let build = try BuildpackRun(app: "python")
        defer { build.remove() }
        try build.write(wanted + "\n", to: ".python-version")
        let (executable, argv) = build.command(
            "/usr/bin/env",
            ["DOKUEN_RUNTIMES_DIR=\(shared.path)", Self.builtin("python") + "/bin/compile"]
                + [build.buildDir, build.cacheDir, build.envDir])
        let compile = try runProgram(
            executable, argv, environment: ["PATH": BuiltinBuildpackTests.path, "HOME": build.buildDir],
            deadlineSeconds: 240)
        #expect(compile.status == .exited(0), "\(compile.standardOutput)\(compile.standardError)")
        #expect(
            compile.standardOutput.hasPrefix(
                "-----> Python \(wanted).4 (.python-version asks for \(wanted)): managed, from the runtimes cache\n"))
        #expect(try Posix.listDirectory(shared.path) == ["python"])
        #expect(Posix.isExecutableFile(build.cacheDir + "/runtimes/uv/0.9.30/uv"))
        #expect(try Posix.readlink(build.buildDir + "/.python/bin/python3") == "/usr/bin/python3.\(host[1])")
        #expect(try build.serve("python app.py") == "hello from python 1.0 (six 1.16.0)\n")
    }
}

extension BuildpackRun {
    /// Writes `text` to `relative` in the build directory, owned by the build's user as the rest of it.
    func write(_ text: String, to relative: String, mode: mode_t = 0o644) throws {
        let path = buildDir + "/" + relative
        let parent = String(path[..<path.lastIndex(of: "/")!])
        if !Posix.isDirectory(parent) { try Posix.mkdir(parent) }
        try AtomicFile.write(Array(text.utf8), to: path, mode: mode)
        if geteuid() == 0 {
            let chown = try runProgram("/bin/chown", ["-R", "dokuen:dokuen", parent])
            guard chown.status == .exited(0) else { throw ProgramRunError(description: chown.standardError) }
        }
    }

    /// Gives the fixture's package.json `engines.node`.
    func setEngines(_ range: String) throws {
        let text = try String(contentsOfFile: buildDir + "/package.json", encoding: .utf8)
        try write(
            text.replacingOccurrences(
                of: "\"private\": true,", with: "\"private\": true,\n  \"engines\": {\"node\": \"\(range)\"},"),
            to: "package.json")
    }
}

/// A TCP socket on 127.0.0.1 that listens and never accepts: the kernel completes connections into its backlog,
/// and nothing ever answers them.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ProgramRunError(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard listening else {
            Glibc.close(fd)
            throw ProgramRunError(description: "bind or listen: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Glibc.close(fd) }
}

/// `python3 -m http.server` on a free loopback port, serving `directory`: a download mirror for a test.
final class FileServer {
    let program: BackgroundProgram
    let url: String

    init(_ directory: String) throws {
        let port = freeTCPPort()
        program = try BackgroundProgram(
            "/usr/bin/python3", ["-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", directory],
            environment: ["PATH": "/usr/bin:/bin"])
        url = "http://127.0.0.1:\(port)"
        // Readiness is a bounded retry up to a deadline (docs/DESIGN.md §2): until the port listens, 10 s at most.
        let deadline = monotonicMilliseconds() + 10_000
        while !Posix.listeningTCPPorts().contains(port) {
            guard monotonicMilliseconds() < deadline else {
                program.stop()
                throw ProgramRunError(description: "the file server did not listen on \(port)")
            }
            usleep(20_000)
        }
    }

    func stop() { program.stop() }
}
