import DokuenSupervisionEmbedded

/// dokuen-shim: supervises one process instance (docs/SHIM.md). Embedded Swift on libc only, so that each
/// instance costs little memory and the shim outlives the daemon.
@main
struct Shim {
    static let version = "0.1.0"

    static let usage = """
        usage: dokuen-shim run --dir SERVICE_DIR [options] -- PROGRAM [ARG...]
               dokuen-shim start --dir SERVICE_DIR [options] -- PROGRAM [ARG...]   (run, in the background)
               dokuen-shim ctl SERVICE_DIR COMMAND      (u d r h t k x, or s<N>)
               dokuen-shim --version
        dokuen-shim supervises one process instance for dokuend; see docs/SHIM.md for every option.

        """

    static func main() {
        let arguments = System.arguments()

        guard let verb = arguments.first else { usageError("no command given") }
        switch verb {
        case "--version":
            print(version)
        case "--help", "-h", "help":
            print(usage, terminator: "")
        case "run", "start":
            let options: ShimOptions
            do {
                options = try ShimOptions.parse(Array(arguments.dropFirst()))
            } catch {
                usageError(error.message)
            }
            var supervisor = Supervisor(options: options)
            if verb == "start" { supervisor.setUpFD = detach() }
            supervisor.run()
        case "ctl":
            guard arguments.count == 3 else { usageError("ctl takes a service directory and a command") }
            guard let command = ControlCommand(line: arguments[2]) else {
                usageError("unknown control command '" + arguments[2] + "'; use u d r h t k x or s<N>")
            }
            System.exit(ControlClient.send(command, to: arguments[1]))
        default:
            usageError("unknown command '" + verb + "'")
        }
    }

    /// `start`: forks; the parent exits 0 once the child has set up its service directory (it holds the lock and
    /// reads `control`), or 1 when the child could not (its error is on the shared stderr). The starter (dokuend)
    /// so gets a real answer and no zombie: the running shim is not its child. Returns the fd to report on.
    static func detach() -> Int32 {
        guard let report = try? System.pipe() else { return -1 }
        let pid: Int32
        do throws(System.Errno) {
            pid = try System.fork()
        } catch {
            System.writeError("dokuen-shim: error: unable to fork: " + error.description + "\n")
            System.exit(1)
        }
        if pid > 0 {
            System.close(report.write)
            var byte: UInt8 = 0
            let count = withUnsafeMutableBytes(of: &byte) { System.read(report.read, into: $0) }
            System.exit(count == 1 ? 0 : 1)
        }
        System.close(report.read)
        System.newSession()  // its own session, whatever the starter had
        return report.write
    }

    static func usageError(_ message: String) -> Never {
        System.writeError("dokuen-shim: error: " + message + "\n" + usage)
        System.exit(64)  // EX_USAGE (sysexits.h), as for every usage error in Dokuen
    }
}
