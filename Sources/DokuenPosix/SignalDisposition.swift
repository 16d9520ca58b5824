#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Posix {
    /// Makes the whole process ignore `signal` (sigaction(2) with SIG_IGN), from now on and before any handler is
    /// set up: a daemon that must not die of SIGHUP says so first thing. The spawners reset every signal (1–64) to
    /// its default in the child, so what dokuend starts does not inherit it.
    public static func ignoreSignal(_ signal: Signal) throws(PosixError) {
        var action = sigaction()
        #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = SIG_IGN
        #else
            action.__sigaction_u.__sa_handler = SIG_IGN
        #endif
        sigemptyset(&action.sa_mask)
        try call("sigaction") { sigaction(signal.rawValue, &action, nil) }
    }
}
