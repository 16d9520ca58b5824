import CDokuenShim
import DokuenSupervisionEmbedded

/// `dokuen-shim ctl DIR CMD`: writes one command line to the service directory's control FIFO.
enum ControlClient {
    /// Returns the exit code: 0 when sent, 1 when no shim is reading the FIFO.
    static func send(_ command: ControlCommand, to directory: String) -> Int32 {
        let path = directory + "/control"
        // O_NONBLOCK: opening a FIFO nobody reads fails with ENXIO instead of hanging.
        let fd = dokuen_open(path, O_WRONLY | O_NONBLOCK, 0)
        if fd < 0 {
            let code = dokuen_errno()
            let reason = code == ENXIO ? "no shim is running there" : System.describe(code)
            System.writeError("dokuen-shim: " + directory + ": unable to send '" + command.line + "': " + reason + "\n")
            return 1
        }
        var line = command.line + "\n"
        let failure = line.withUTF8 { System.writeAll(fd, UnsafeRawBufferPointer($0)) }
        close(fd)
        if failure != 0 {
            System.writeError(
                "dokuen-shim: " + directory + ": unable to send '" + command.line + "': " + System.describe(failure)
                    + "\n")
            return 1
        }
        return 0
    }
}
