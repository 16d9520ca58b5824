import DokuenSupervisionEmbedded

/// `dokuen-shim ctl DIR CMD`: writes one command line to the service directory's control FIFO.
enum ControlClient {
    /// Returns the exit code: 0 when sent, 1 when no shim is reading the FIFO.
    static func send(_ command: ControlCommand, to directory: String) -> Int32 {
        let path = directory + "/control"
        let fd: Int32
        do throws(System.Errno) {
            // O_NONBLOCK: opening a FIFO nobody reads fails with ENXIO instead of hanging.
            fd = try System.open(path, [.writeOnly, .nonBlocking])
        } catch {
            let reason = error == .noReader ? "no shim is running there" : error.description
            System.writeError("dokuen-shim: " + directory + ": unable to send '" + command.line + "': " + reason + "\n")
            return 1
        }
        let failure = System.writeAll(fd, command.line + "\n").failure
        System.close(fd)
        if let failure {
            System.writeError(
                "dokuen-shim: " + directory + ": unable to send '" + command.line + "': " + failure.description + "\n")
            return 1
        }
        return 0
    }
}
