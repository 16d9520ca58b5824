import DokuenPosix
import DokuenSupervision

/// Writes `ControlCommand`s to a shim's `control` FIFO (docs/SHIM.md): one line each, without blocking, so a shim
/// that does not read cannot stall the daemon.
enum ShimControl {
    /// Writes `command` to the FIFO of the shim of service directory `directory`.
    static func send(_ command: ControlCommand, toDirectory directory: String) throws(PosixError) {
        let fd = try Posix.open(directory + "/control", [.writeOnly, .nonBlocking])
        defer { Posix.close(fd) }
        try Posix.writeAll(fd, Array((command.line + "\n").utf8))
    }
}
