#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Waits for SIGTERM, SIGINT or SIGHUP with sigtimedwait(2), waking only to feed the watchdog: one wait point,
/// nothing polls. The signals must be blocked in every thread (`blockStopSignals`, first thing in `main`).
enum SignalWaiter {
    static func blockStopSignals() {
        var set = stopSignals
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Returns the stop signal that arrived. `onWatchdog` runs every half watchdog interval (sd_watchdog_enabled(3)
    /// recommends pinging at half the interval).
    static func wait(watchdog: Duration?, onWatchdog: () -> Void) -> Int32 {
        var set = stopSignals
        while true {
            var received: Int32
            if let watchdog {
                let half = watchdog / 2
                let (seconds, attoseconds) = half.components
                var timeout = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
                received = sigtimedwait(&set, nil, &timeout)
                if received < 0 {
                    if errno == EAGAIN { onWatchdog() }
                    continue
                }
            } else {
                received = 0
                if sigwait(&set, &received) != 0 { continue }
            }
            if received == SIGHUP { continue }  // nothing to reload yet; HUP must not stop the daemon
            return received
        }
    }

    private static var stopSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, signal) }
        return set
    }
}
