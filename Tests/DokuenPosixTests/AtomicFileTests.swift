import DokuenPosix
import TestSupport
import Testing

@Suite(.timeLimit(.minutes(2))) struct AtomicFileTests {
    @Test func writesReplacesAndSetsTheMode() throws {
        let temp = try TemporaryDirectory("atomic")
        defer { temp.remove() }
        try AtomicFile.write(Array("one".utf8), to: temp("f"), mode: 0o600)
        try AtomicFile.write(Array("two".utf8), to: temp("f"), mode: 0o640)
        #expect(try Posix.readFile(temp("f")) == Array("two".utf8))
        #expect(try #require(try Posix.lstat(temp("f"))).permissions & 0o777 == 0o640)
        #expect(try Posix.listDirectory(temp.path) == ["f"], "no temp file is left behind")
    }

    @Test func failureNamesTheCallAndPath() throws {
        do {
            try AtomicFile.write([1], to: "/nonexistent-dir/f")
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(
                error.description
                    == "unable to open /nonexistent-dir/.f.tmp.\(Posix.getpid()): No such file or directory")
        }
    }
}
