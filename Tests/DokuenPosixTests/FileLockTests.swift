import DokuenPosix
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct FileLockTests {
    @Test func isExclusiveAndReleasedWithItsOwner() throws {
        let temp = try TemporaryDirectory("lock")
        defer { temp.remove() }
        #expect(try FileLock.isHeld(temp("lock")) == false)
        var first = try FileLock.tryAcquire(temp("lock"))
        #expect(first != nil)
        #expect(try FileLock.isHeld(temp("lock")))
        #expect(try FileLock.tryAcquire(temp("lock")) == nil)
        first = nil
        #expect(try FileLock.isHeld(temp("lock")) == false)
        #expect(try FileLock.tryAcquire(temp("lock")) != nil)
    }

    /// The lock is seen by other processes: flock(1) cannot take it while we hold it.
    @Test func isSeenByAnotherProcess() throws {
        let temp = try TemporaryDirectory("lock")
        defer { temp.remove() }
        let flock = try #require(which("flock"))
        let lock = try #require(try FileLock.tryAcquire(temp("lock")))
        #expect(try runProgram(flock, ["--nonblock", temp("lock"), "true"]).status == .exited(1))
        _ = lock
    }
}
