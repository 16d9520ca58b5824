import DokuenPosix
import TestSupport
import Testing

/// `FileInfo`: what lstat, stat and fstat say, without `struct stat`.
@Suite(.timeLimit(.minutes(2))) struct FileInfoTests {
    @Test func kindsPermissionsOwnerAndSize() throws {
        let temp = try TemporaryDirectory("info")
        defer { temp.remove() }
        try AtomicFile.write(Array("hello".utf8), to: temp("file"), mode: 0o640)
        try Posix.mkdir(temp("dir"), mode: 0o700)
        try Posix.chmod(temp("dir"), 0o1700)
        try Posix.symlink(target: "file", at: temp("link"))
        let socket = try UnixSocket.bindDatagram(temp("sock"))
        defer { Posix.close(socket) }

        let file = try #require(try Posix.lstat(temp("file")))
        #expect(file.kind == .regular)
        #expect(file.permissions == 0o640)
        #expect(file.size == 5)
        #expect(file.uid == Posix.geteuid())
        #expect(file.gid == Posix.getegid())
        let directory = try #require(try Posix.lstat(temp("dir")))
        #expect(directory.kind == .directory)
        #expect(directory.permissions == 0o1700, "the sticky bit is among the permissions")
        #expect(try Posix.lstat(temp("link"))?.kind == .symlink)
        #expect(try Posix.lstat(temp("sock"))?.kind == .socket)
        #expect(try Posix.lstat("/dev/null")?.kind == .characterDevice)
    }

    @Test func statFollowsSymlinksAndLstatDoesNot() throws {
        let temp = try TemporaryDirectory("info")
        defer { temp.remove() }
        try AtomicFile.write(Array("hello".utf8), to: temp("file"))
        try Posix.symlink(target: "file", at: temp("link"))
        try Posix.symlink(target: "missing", at: temp("dangling"))
        let followed = try #require(try Posix.statFollowingSymlinks(temp("link")))
        #expect(followed == (try Posix.lstat(temp("file"))))
        #expect(try Posix.lstat(temp("dangling"))?.kind == .symlink)
        #expect(try Posix.statFollowingSymlinks(temp("dangling")) == nil, "a dangling link leads nowhere")
        #expect(Posix.exists(temp("link")))
        #expect(!Posix.exists(temp("dangling")))
    }

    @Test func missingIsNilAndFstatMatchesLstat() throws {
        let temp = try TemporaryDirectory("info")
        defer { temp.remove() }
        #expect(try Posix.lstat(temp("none")) == nil)
        #expect(try Posix.lstat(temp("none/deeper")) == nil)
        try AtomicFile.write([1, 2, 3], to: temp("file"))
        #expect(try Posix.lstat(temp("file/deeper")) == nil, "ENOTDIR is nothing there too")
        let fd = try Posix.open(temp("file"), .readOnly)
        defer { Posix.close(fd) }
        let opened = try Posix.fstat(fd, path: temp("file"))
        #expect(opened == (try Posix.lstat(temp("file"))))
        #expect(opened.inode != 0)
    }

    @Test func chownLeavesANilIdAlone() throws {
        let temp = try TemporaryDirectory("info")
        defer { temp.remove() }
        try AtomicFile.write([1], to: temp("file"))
        try Posix.chown(temp("file"), uid: nil, gid: Posix.getegid())
        #expect(try Posix.lstat(temp("file"))?.uid == Posix.geteuid())
        #expect(throws: PosixError("chown", path: temp("none"), .noEntry)) {
            try Posix.chown(temp("none"), uid: nil, gid: nil)
        }
    }

    @Test func canExecuteIsAccessXOK() {
        #expect(Posix.canExecute("/bin/sh"))
        #expect(!Posix.canExecute("/etc/passwd"))
        #expect(!Posix.canExecute("/nonexistent/program"))
    }
}
