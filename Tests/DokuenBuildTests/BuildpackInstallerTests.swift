import DokuenBuild
import DokuenPosix
import TestSupport
import Testing

/// `dokuen buildpacks install|remove|list` against a real local git repository: a branch, a tag, a commit.
@Suite(.timeLimit(.minutes(2))) struct BuildpackInstallerTests {
    /// A local repository holding a buildpack: commit 1 (tag v1) prints "One" from detect, commit 2 (branch
    /// main, tag v2) prints "Two", and branch `broken` lacks bin/release.
    struct Repository {
        let temp: TemporaryDirectory
        var path: String { temp("repo") }
        var root: String { temp("root") }
        let first: String

        init() throws {
            temp = try TemporaryDirectory("bp")
            try Posix.mkdir(temp("root"))
            let temp = temp
            func git(_ arguments: String...) throws -> String { try Self.git(temp("repo"), arguments, home: temp.path) }
            try BuildpackFixture.write("repo", in: temp.path, detect: "echo One")
            _ = try git("init", "--quiet", "--initial-branch=main")
            _ = try git("add", ".")
            _ = try git("commit", "--quiet", "-m", "one")
            _ = try git("tag", "v1")
            first = try git("rev-parse", "HEAD")
            try BuildpackFixture.write("repo", in: temp.path, detect: "echo Two")
            _ = try git("commit", "--quiet", "-am", "two")
            _ = try git("tag", "v2")
            _ = try git("checkout", "--quiet", "-b", "broken")
            _ = try git("rm", "--quiet", "bin/release")
            _ = try git("commit", "--quiet", "-m", "broken")
            _ = try git("checkout", "--quiet", "main")
        }

        func git(_ arguments: String...) throws -> String { try Self.git(path, arguments, home: temp.path) }

        static func git(_ path: String, _ arguments: [String], home: String) throws -> String {
            let result = try runProgram(
                "/usr/bin/git", ["-C", path] + arguments,
                environment: [
                    "PATH": "/usr/bin:/bin", "HOME": home, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_NOSYSTEM": "1",
                ])
            guard result.status == .exited(0) else {
                throw ProgramRunError(description: "git \(arguments): \(result.standardError)")
            }
            return result.standardOutput.split(separator: "\n").first.map(String.init) ?? ""
        }

        var installer: BuildpackInstaller {
            BuildpackInstaller(catalog: BuildpackCatalog(builtInDirectory: temp("builtin"), installedDirectory: root))
        }

        func detectOutput(of name: String) throws -> String {
            try runProgram(root + "/" + name + "/bin/detect", [temp.path]).standardOutput
        }
    }

    @Test func installsTheDefaultBranchAndListsIt() async throws {
        let repo = try Repository()
        defer { repo.temp.remove() }
        let installed = try await repo.installer.install(
            name: try BuildpackName("mine"), source: try BuildpackSource(repo.path))
        #expect(try repo.detectOutput(of: "mine") == "Two\n")
        let listed = try repo.installer.list()
        #expect(listed.map(\.name.rawValue) == ["mine"])
        #expect(listed.first?.origin == .installed(source: repo.path, commit: try repo.git("rev-parse", "main")))
        #expect(installed.origin == listed.first?.origin)
        // The install left no temporary directory behind, and the buildpack is readable by the build user.
        #expect(try Posix.listDirectory(repo.root) == ["mine"])
        #expect(try #require(try Posix.lstat(repo.root + "/mine")).permissions & 0o777 == 0o755)
    }

    @Test func installsATag() async throws {
        let repo = try Repository()
        defer { repo.temp.remove() }
        try await repo.installer.install(name: try BuildpackName("old"), source: try BuildpackSource(repo.path + "#v1"))
        #expect(try repo.detectOutput(of: "old") == "One\n")
    }

    @Test func installsACommitFullOrAbbreviated() async throws {
        let repo = try Repository()
        defer { repo.temp.remove() }
        try await repo.installer.install(
            name: try BuildpackName("full"), source: try BuildpackSource(repo.path + "#" + repo.first))
        #expect(try repo.detectOutput(of: "full") == "One\n")
        let short = String(repo.first.prefix(8))
        try await repo.installer.install(
            name: try BuildpackName("short"), source: try BuildpackSource(repo.path + "#" + short))
        #expect(try repo.detectOutput(of: "short") == "One\n")
        // A file:// URL works like a path.
        try await repo.installer.install(
            name: try BuildpackName("url"), source: try BuildpackSource("file://" + repo.path + "#main"))
        #expect(try repo.detectOutput(of: "url") == "Two\n")
    }

    @Test func anUnknownRefIsAClearError() async throws {
        let repo = try Repository()
        defer { repo.temp.remove() }
        await #expect(throws: BuildError.unknownRef("v9", source: repo.path)) {
            try await repo.installer.install(
                name: try BuildpackName("x"), source: try BuildpackSource(repo.path + "#v9"))
        }
        #expect(try Posix.listDirectory(repo.root) == [], "nothing is left behind")
    }

    @Test func aBuildpackWithoutItsProgramsIsRefused() async throws {
        let repo = try Repository()
        defer { repo.temp.remove() }
        await #expect(throws: BuildError.missingProgram(buildpack: "x", program: "release")) {
            try await repo.installer.install(
                name: try BuildpackName("x"), source: try BuildpackSource(repo.path + "#broken"))
        }
        #expect(try Posix.listDirectory(repo.root) == [])
    }

    @Test func aMissingRepositoryIsAGitError() async throws {
        let repo = try Repository()
        defer { repo.temp.remove() }
        let error = try await #require(throws: BuildError.self) {
            try await repo.installer.install(
                name: try BuildpackName("x"), source: try BuildpackSource(repo.temp("nope")))
        }
        #expect(error.description.hasPrefix("unable to clone \(repo.temp("nope")): git exit 128: fatal: "))
        #expect(try Posix.listDirectory(repo.root) == [])
    }

    @Test func anExistingNameIsRefusedAndRemoveWorks() async throws {
        let repo = try Repository()
        defer { repo.temp.remove() }
        let name = try BuildpackName("mine")
        try await repo.installer.install(name: name, source: try BuildpackSource(repo.path))
        await #expect(throws: BuildError.alreadyInstalled("mine")) {
            try await repo.installer.install(name: name, source: try BuildpackSource(repo.path + "#v1"))
        }
        try repo.installer.remove(name: name)
        #expect(try Posix.listDirectory(repo.root) == [])
        #expect(throws: BuildError.notInstalledName("mine", builtIn: false)) { try repo.installer.remove(name: name) }
        try BuildpackFixture.write("python", in: repo.temp("builtin"), detect: "exit 1")
        #expect(throws: BuildError.notInstalledName("python", builtIn: true)) {
            try repo.installer.remove(name: try BuildpackName("python"))
        }
    }

    /// An installed buildpack is found again by its source (BUILDPACK_URL / .buildpacks with a URL).
    @Test func installedBuildpacksAreFoundBySource() async throws {
        let repo = try Repository()
        defer { repo.temp.remove() }
        try await repo.installer.install(
            name: try BuildpackName("tagged"), source: try BuildpackSource(repo.path + "#v1"))
        let catalog = repo.installer.catalog
        #expect(try catalog.installed(from: try BuildpackSource(repo.path + "#v1"))?.name.rawValue == "tagged")
        #expect(try catalog.installed(from: try BuildpackSource(repo.path))?.name.rawValue == "tagged")
        #expect(try catalog.installed(from: try BuildpackSource(repo.path + "#v2")) == nil)
    }

    @Test(arguments: ["-oProxyCommand=x", "a b", "x#", "#v1", "x#-b"])
    func unsafeSourcesAreRefused(text: String) {
        #expect(throws: BuildError.self) { try BuildpackSource(text) }
    }
}
