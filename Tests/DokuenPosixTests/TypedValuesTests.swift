import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The named values callers use instead of libc's constants: each must be the number libc means.
@Suite struct TypedValuesTests {
    @Test func errnoNamesAreLibcsNumbers() {
        let table: [(Errno, Int32)] = [
            (.notPermitted, EPERM), (.noEntry, ENOENT), (.noSuchProcess, ESRCH), (.interrupted, EINTR),
            (.noChild, ECHILD), (.wouldBlock, EAGAIN), (.accessDenied, EACCES), (.exists, EEXIST),
            (.notDirectory, ENOTDIR), (.isDirectory, EISDIR), (.invalid, EINVAL), (.textBusy, ETXTBSY),
            (.fileTooLarge, EFBIG), (.tooManyOpenFiles, EMFILE), (.noSpace, ENOSPC), (.brokenPipe, EPIPE),
            (.nameTooLong, ENAMETOOLONG),
            (.notImplemented, ENOSYS), (.notEmpty, ENOTEMPTY), (.loop, ELOOP), (.connectionRefused, ECONNREFUSED),
            (.timedOut, ETIMEDOUT),
            (.inProgress, EINPROGRESS),
        ]
        for (named, number) in table { #expect(named.rawValue == number, "\(named)") }
        #expect(Set(table.map(\.0)).count == table.count, "no two names share a number")
    }

    @Test func errnoDescribesItselfAsStrerror() {
        #expect(Errno.noEntry.description == "No such file or directory")
        #expect(Errno.loop.description == String(cString: strerror(ELOOP)))
    }

    @Test func posixErrorNamesItsCode() {
        let error = PosixError("read", path: "/x", .fileTooLarge)
        #expect(error.errno == EFBIG)
        #expect(error.code == .fileTooLarge)
        #expect(error == PosixError("read", path: "/x", errno: EFBIG))
        #expect(error.description == "unable to read /x: File too large")
    }

    @Test func signalNamesAreLibcsAndTheShimsNumbers() {
        let table: [(Signal, Int32, Int32?)] = [
            (.hangup, SIGHUP, Signals.hangup), (.interrupt, SIGINT, Signals.interrupt), (.quit, SIGQUIT, Signals.quit),
            (.kill, SIGKILL, Signals.kill), (.user1, SIGUSR1, Signals.user1), (.user2, SIGUSR2, Signals.user2),
            (.pipe, SIGPIPE, nil), (.terminate, SIGTERM, Signals.terminate), (.child, SIGCHLD, nil),
            (.continueProcess, SIGCONT, Signals.continueProcess),
        ]
        for (named, number, shims) in table {
            #expect(named.rawValue == number)
            if let shims { #expect(named.rawValue == shims, "DokuenSupervision.Signals agrees") }
        }
    }

    @Test func openFlagsAreLibcsBits() {
        #expect(Posix.OpenFlags.readOnly.rawValue == O_RDONLY)
        #expect(Posix.OpenFlags([.writeOnly, .create, .truncate]).rawValue == O_WRONLY | O_CREAT | O_TRUNC)
        #expect(Posix.OpenFlags([.readWrite, .create, .exclusive]).rawValue == O_RDWR | O_CREAT | O_EXCL)
        #expect(
            Posix.OpenFlags([.noFollow, .nonBlocking, .directory, .append]).rawValue
                == O_NOFOLLOW | O_NONBLOCK | O_DIRECTORY | O_APPEND)
    }

    @Test func openWithNamedFlagsCreatesExclusively() throws {
        let temp = try TemporaryDirectory("flags")
        defer { temp.remove() }
        let fd = try Posix.open(temp("f"), [.writeOnly, .create, .exclusive], mode: 0o640)
        try Posix.writeAll(fd, Array("x".utf8))
        Posix.close(fd)
        #expect(try Posix.readFile(temp("f")) == Array("x".utf8))
        #expect(throws: PosixError("open", path: temp("f"), .exists)) {
            try Posix.open(temp("f"), [.writeOnly, .create, .exclusive])
        }
        #expect(throws: PosixError("open", path: temp("f"), .notDirectory)) {
            try Posix.open(temp("f"), [.readOnly, .directory])
        }
    }
}
