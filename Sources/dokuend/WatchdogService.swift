import DokuenSystemd
import ServiceLifecycle

/// Feeds the systemd watchdog at half its interval (sd_watchdog_enabled(3) recommends it) until the group shuts
/// down: the daemon's one timer, there only when systemd arms a watchdog.
struct WatchdogService: Service {
    let interval: Duration

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval / 2)
                    Systemd.notify(["WATCHDOG=1"])
                }
            }
        } catch is CancellationError {
            // The group shuts down: this service ends with it, not as a failure.
        }
    }
}
