import CDokuenShim
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
        var arguments: [String] = []
        let argv = dokuen_argv()!
        for index in 1..<Int(dokuen_argc()) { arguments.append(String(cString: argv[index]!)) }

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
            exit(ControlClient.send(command, to: arguments[1]))
        default:
            usageError("unknown command '" + verb + "'")
        }
    }

    /// `start`: forks; the parent exits 0 once the child has set up its service directory (it holds the lock and
    /// reads `control`), or 1 when the child could not (its error is on the shared stderr). The starter (dokuend)
    /// so gets a real answer and no zombie: the running shim is not its child. Returns the fd to report on.
    static func detach() -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard dokuen_pipe(&fds) == 0 else { return -1 }
        let pid = fork()
        if pid < 0 {
            System.writeError("dokuen-shim: error: unable to fork: " + System.describe(dokuen_errno()) + "\n")
            exit(1)
        }
        if pid > 0 {
            close(fds[1])
            var byte: UInt8 = 0
            var count = -1
            repeat { count = read(fds[0], &byte, 1) } while count < 0 && dokuen_errno() == EINTR
            exit(count == 1 ? 0 : 1)
        }
        close(fds[0])
        _ = setsid()  // its own session, whatever the starter had
        return fds[1]
    }

    static func usageError(_ message: String) -> Never {
        System.writeError("dokuen-shim: error: " + message + "\n" + usage)
        exit(64)  // EX_USAGE (sysexits.h), as for every usage error in Dokuen
    }
}
