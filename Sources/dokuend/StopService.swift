import DokuenDaemon
import DokuenSystemd
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Turns the first stop request (SIGTERM, SIGINT, or `dokuen shutdown` through the API) into the service group's
/// graceful shutdown: it tells systemd STOPPING=1 and returns, and the group, configured to shut down gracefully when
/// this service returns, stops the other services in reverse order (the API first: requests in flight get their
/// answers). The API never signals its own process.
final class StopService: Service {
    let requests: StopRequests
    /// The reason of the stop, for the last log line.
    let reason: Mutex<StopReason?>

    init(requests: StopRequests) {
        self.requests = requests
        reason = Mutex(nil)
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                // SIGHUP is ignored from the start (nothing to reload yet: it must not stop the daemon).
                for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    self.requests.request(.signal(signal.rawValue))
                }
            }
            for await first in requests.requests.cancelOnGracefulShutdown() {
                reason.withLock { $0 = first }
                Systemd.notify(["STOPPING=1", "STATUS=Stopping \(first)"])
                break
            }
            group.cancelAll()
        }
    }
}
