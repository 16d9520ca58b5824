import DokuenPosix
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A dokuend on a temp root, started by a test and awaited through its READY=1; `stop()` (in a defer) kills it.
final class DaemonHarness {
    let temp: TemporaryDirectory
    let daemon: BackgroundProgram
    var root: String { temp("root") }
    let bin = builtProductsDirectory()

    init(label: String = "api") throws {
        temp = try TemporaryDirectory(label)
        let notify = try NotifySocket(path: temp("notify"))
        daemon = try BackgroundProgram(
            bin + "/dokuend", ["--root", temp("root")],
            environment: ["PATH": "/usr/bin:/bin", "HOME": temp.path, "NOTIFY_SOCKET": notify.path])
        guard try notify.waitFor("READY=1") != nil else {
            let errors = daemon.standardError
            daemon.stop()
            temp.remove()
            throw ProgramRunError(description: "dokuend did not become ready: \(errors)")
        }
    }

    /// Runs the CLI against this daemon.
    func dokuen(_ arguments: [String]) throws -> ProgramResult {
        try runProgram(
            bin + "/dokuen", arguments + ["--root", root], environment: ["PATH": "/usr/bin:/bin", "HOME": temp.path])
    }

    func stop() {
        daemon.stop()
        temp.remove()
    }
}
