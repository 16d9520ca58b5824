import DokuenCore
import DokuenPosix
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(2))) struct EnvDirectoryTests {
    /// The environment `envdir DIR env -0` produces, starting from `initial`.
    func envdir(_ directory: String, initial: [String: String] = [:]) throws -> [String: String] {
        let envdir = try #require(
            which("envdir"), "daemontools' envdir must be installed (apt-get install daemontools)")
        let result = try runProgram(envdir, [directory, "/usr/bin/env", "-0"], environment: initial)
        #expect(result.status == .exited(0), "\(result.standardError)")
        var variables: [String: String] = [:]
        for entry in result.stdout.split(separator: 0, omittingEmptySubsequences: true) {
            let text = String(decoding: entry, as: UTF8.self)
            let equals = text.firstIndex(of: "=")!
            variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return variables
    }

    @Test func realEnvdirReadsExactlyWhatDokuenWrote() throws {
        let temp = try TemporaryDirectory("envdir")
        defer { temp.remove() }
        var written: [EnvKey: String] = [:]
        for (index, value) in nastyEnvValues.enumerated() { written[try EnvKey("V\(index)")] = value }
        let directory = EnvDirectory(path: temp("env"))
        try directory.write(written)

        let seen = try envdir(temp("env"))
        #expect(seen.count == written.count)
        for (key, value) in written {
            #expect(
                seen[key.rawValue] == value,
                "\(key): \(value.debugDescription) came back as \(seen[key.rawValue].debugDescription)")
        }
        #expect(try directory.dictionary() == written)
    }

    /// On files Dokuen did not write, Dokuen's reader agrees with envdir: first line, trailing blanks trimmed,
    /// NUL is a newline, an empty file unsets.
    @Test func readerAgreesWithEnvdirOnHandMadeFiles() throws {
        let temp = try TemporaryDirectory("envdir")
        defer { temp.remove() }
        try Posix.mkdir(temp("env"))
        let files: [(String, [UInt8])] = [
            ("FIRST_LINE", Array("one\ntwo\n".utf8)), ("TRIMMED", Array("x \t \n".utf8)),
            ("NO_NEWLINE", Array("y".utf8)),
            ("NUL", [0x61, 0, 0x62, 0x0A]), ("UNSET", []), ("EMPTY", Array("\n".utf8)),
        ]
        for (name, bytes) in files { try AtomicFile.write(bytes, to: temp("env/\(name)")) }
        let seen = try envdir(temp("env"), initial: ["UNSET": "was set", "KEPT": "k"])
        var ours = Dictionary(
            uniqueKeysWithValues: try EnvDirectory(path: temp("env")).read().map { ($0.key.rawValue, $0.value) })
        ours["KEPT"] = "k"
        #expect(seen == ours)
        #expect(seen["UNSET"] == nil)
        #expect(seen["NUL"] == "a\nb")
    }

    @Test func writeSwapsWholeGenerationsAndKeepsOnlyTheLastTwo() throws {
        let temp = try TemporaryDirectory("envdir")
        defer { temp.remove() }
        let directory = EnvDirectory(path: temp("env"))
        #expect(try directory.read().isEmpty)
        let a = try EnvKey("A")
        let b = try EnvKey("B")
        try directory.write([a: "1"])
        try directory.update(set: [b: "2"])
        try directory.update(set: [a: "3"], unset: [b])
        #expect(try directory.dictionary() == [a: "3"])
        #expect(try Posix.readlink(temp("env")) == "env.g3")
        #expect(try Posix.listDirectory(temp.path) == ["env", "env.g2", "env.g3"])

        // Files are 0600 and the generation directory 0700: config values are secrets.
        let file = try #require(try Posix.lstat(temp("env.g3/A")))
        #expect(file.permissions & 0o777 == 0o600)
        let generation = try #require(try Posix.lstat(temp("env.g3")))
        #expect(generation.permissions & 0o777 == 0o700)
    }

    @Test func refusedValueLeavesTheConfigUntouched() throws {
        let temp = try TemporaryDirectory("envdir")
        defer { temp.remove() }
        let directory = EnvDirectory(path: temp("env"))
        let a = try EnvKey("A")
        try directory.write([a: "kept"])
        #expect(throws: CoreError.self) { try directory.update(set: [try EnvKey("B"): "trailing "]) }
        #expect(try directory.dictionary() == [a: "kept"])
        #expect(try Posix.listDirectory(temp.path) == ["env", "env.g1"])
    }

    /// A writer that died after building a generation but before the swap leaves garbage that the next write
    /// replaces; readers never saw it.
    @Test func leftoverFromACrashedWriterIsReplaced() throws {
        let temp = try TemporaryDirectory("envdir")
        defer { temp.remove() }
        let directory = EnvDirectory(path: temp("env"))
        let a = try EnvKey("A")
        try directory.write([a: "1"])
        try Posix.mkdir(temp("env.g2"))
        try AtomicFile.write(Array("half\n".utf8), to: temp("env.g2/HALF"))
        #expect(try directory.dictionary() == [a: "1"])
        try directory.update(set: [a: "2"])
        #expect(try directory.dictionary() == [a: "2"])
        #expect(try Posix.listDirectory(temp("env.g2")) == ["A"])
    }

    @Test func aPlainDirectoryIsReadButNotReplaced() throws {
        let temp = try TemporaryDirectory("envdir")
        defer { temp.remove() }
        try Posix.mkdir(temp("env"))
        try AtomicFile.write(Array("1\n".utf8), to: temp("env/A"))
        let directory = EnvDirectory(path: temp("env"))
        #expect(try directory.dictionary() == [try EnvKey("A"): "1"])
        #expect(throws: EnvDirectoryError.notAGenerationLink(path: temp("env"))) { try directory.write([:]) }
    }

    @Test func aFileThatIsNotAKeyIsAnError() throws {
        let temp = try TemporaryDirectory("envdir")
        defer { temp.remove() }
        try Posix.mkdir(temp("env"))
        try AtomicFile.write(Array("1\n".utf8), to: temp("env/NOT-A-KEY"))
        #expect(throws: CoreError.self) { try EnvDirectory(path: temp("env")).read() }
    }

    @Test func aLinkToAMissingGenerationIsAnErrorNotAnEmptyConfig() throws {
        let temp = try TemporaryDirectory("envdir")
        defer { temp.remove() }
        let directory = EnvDirectory(path: temp("env"))
        try directory.write([try EnvKey("A"): "1"])
        try Posix.removeTree(temp("env.g1"))
        #expect(throws: EnvDirectoryError.danglingLink(path: temp("env"), target: "env.g1")) { try directory.read() }
    }
}
