import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A small tmpfs mounted on a directory, for a disk that really fills up; `unmount()` (in a defer) detaches it at
/// once, lazily, even while a shim still holds a file open on it. Mounting needs root and a system that permits it
/// (not every container does).
struct TinyDisk {
    let path: String

    /// Whether a tmpfs can be mounted here: tried once, on a throwaway directory.
    static let mountable: Bool = {
        guard geteuid() == 0, let temp = try? TemporaryDirectory("mountable") else { return false }
        defer { temp.remove() }
        guard let disk = try? TinyDisk(mountingOn: temp.path, kilobytes: 16) else { return false }
        disk.unmount()
        return true
    }()

    /// Mounts a tmpfs of `kilobytes` on the directory `path`, owned by root with `mode`.
    init(mountingOn path: String, kilobytes: Int, mode: String = "0755") throws {
        self.path = path
        let mounted = try runProgram(
            "/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=\(mode)", "tmpfs", path])
        guard mounted.status == .exited(0) else {
            throw ProgramRunError(description: "mount: \(mounted.standardError)")
        }
    }

    /// Fills what is left of the disk with `filler`, until the kernel says ENOSPC.
    func fill() throws {
        let filled = try runProgram("/bin/dd", ["if=/dev/zero", "of=" + path + "/filler", "bs=4096"])
        guard filled.status != .exited(0) else { throw ProgramRunError(description: "dd: the disk did not fill") }
    }

    /// Gives the space back.
    func free() throws { try Posix.unlink(path + "/filler") }

    func unmount() { _ = try? runProgram("/bin/umount", ["-l", path]) }
}

extension ShimLogTests {
    /// A log disk that really fills up (a tmpfs): the child keeps running and its lines are counted as dropped,
    /// `status` says the shim is dropping, and once there is room again a marker line, stamped like every other
    /// line, says what was lost before the output that follows it.
    @Test(.enabled(if: TinyDisk.mountable, "needs root and permission to mount a tmpfs"))
    func aFullDiskLeavesAMarkerLineOnceThereIsRoomAgain() throws {
        let temp = try TemporaryDirectory("diskfull")
        defer { temp.remove() }
        try Posix.mkdir(temp("disk"))
        let disk = try TinyDisk(mountingOn: temp("disk"), kilobytes: 64)
        defer { disk.unmount() }
        try disk.fill()
        let go = temp("go")
        #expect(try runProgram("/usr/bin/mkfifo", [go]).status == .exited(0))
        // 1000 lines of 100 bytes, each 125 with its timestamp; then, once told (the FIFO), one more line.
        let shim = try ShimHarness(
            ["--restart", "never", "--log", disk.path + "/log", "--log-max-bytes", "0", "--log-timestamps"],
            command: ["/bin/sh", "-c", "seq -f %099g 1 1000; read line < \(go); echo after"])
        defer { shim.stop() }
        let dropping = try #require(try shim.waitFor { $0.droppedBytes == 125_000 })
        #expect(dropping.logDropping)
        #expect(dropping.pid > 0, "the child runs on: its output was drained, not blocked")
        #expect(try Posix.readFile(disk.path + "/log").isEmpty)

        try disk.free()
        #expect(try runProgram("/bin/sh", ["-c", "echo go > \(go)"]).status == .exited(0))
        let exited = try #require(try shim.waitFor(.exited))
        #expect(exited.lastExit == .code(0))
        #expect(exited.droppedBytes == 125_000)
        #expect(!exited.logDropping)

        let lines = try String(decoding: Posix.readFile(disk.path + "/log"), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2, "\(lines)")
        let marker = "dokuen-shim: 125000 bytes (1000 lines) dropped while the disk was full"
        #expect(lines.first?.count == 25 + marker.count && lines.first?.hasSuffix(" " + marker) == true)
        #expect(lines.first?.dropFirst(23).hasPrefix("Z ") == true)
        #expect(lines.last?.hasSuffix("Z after") == true)
    }
}
