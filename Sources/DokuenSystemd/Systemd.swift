#if Systemd && os(Linux)
    import CSystemd
#endif

/// Dokuen's one door to systemd, through libsystemd (sd-daemon(3)): readiness and status notifications, the
/// watchdog, and socket activation. On Linux it is linked through the `Systemd` package trait, on by default;
/// elsewhere, or with the trait off, every call is a no-op, so the package builds on a Mac laptop.
public enum Systemd {
    /// Whether this build talks to systemd at all.
    public static var isLinked: Bool {
        #if Systemd && os(Linux)
            true
        #else
            false
        #endif
    }

    /// Sends newline-separated `KEY=VALUE` assignments to the service manager (sd_notify(3)), e.g. `READY=1`.
    /// Returns false when there is no manager to tell (no `$NOTIFY_SOCKET`) or the send failed.
    @discardableResult
    public static func notify(_ assignments: [String]) -> Bool {
        #if Systemd && os(Linux)
            return sd_notify(0, assignments.joined(separator: "\n")) > 0
        #else
            return false
        #endif
    }

    /// The interval at which the service manager expects `WATCHDOG=1`, or nil when no watchdog is armed for this
    /// process (sd_watchdog_enabled(3) checks `WATCHDOG_USEC` and `WATCHDOG_PID`).
    public static func watchdogInterval() -> Duration? {
        #if Systemd && os(Linux)
            var microseconds: UInt64 = 0
            guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
            return .microseconds(microseconds)
        #else
            return nil
        #endif
    }

    /// The number of sockets passed by socket activation (sd_listen_fds(3)); they are fds 3, 4, …
    public static func listenFDCount() -> Int {
        #if Systemd && os(Linux)
            return max(0, Int(sd_listen_fds(0)))
        #else
            return 0
        #endif
    }

    /// The first fd of socket activation (`SD_LISTEN_FDS_START`).
    public static let listenFDStart: Int32 = 3

    /// `environment` without the variables that address this process's service manager, which must not leak
    /// into what dokuend starts: `NOTIFY_SOCKET`, `WATCHDOG_*` and `LISTEN_*`.
    public static func strippingManagerVariables(_ environment: [String: String]) -> [String: String] {
        environment.filter { key, _ in
            key != "NOTIFY_SOCKET" && !key.hasPrefix("WATCHDOG_") && !key.hasPrefix("LISTEN_")
        }
    }
}
