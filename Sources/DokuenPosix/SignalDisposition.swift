#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Posix {
    /// Makes the whole process ignore `signal` (sigaction(2) with SIG_IGN), from now on and before any handler is
    /// set up: a daemon that must not die of SIGHUP says so first thing. Children get the default back at exec only
    /// if their spawner resets it, which Dokuen's spawners do (1–64).
    public static func ignoreSignal(_ signal: Int32) throws(PosixError) {
        try ignore(signal)
    }

    /// Ignores SIGHUP (`ignoreSignal`).
    public static func ignoreHangups() throws(PosixError) {
        try ignore(SIGHUP)
    }

    private static func ignore(_ signal: Int32) throws(PosixError) {
        var action = sigaction()
        #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = SIG_IGN
        #else
            action.__sigaction_u.__sa_handler = SIG_IGN
        #endif
        sigemptyset(&action.sa_mask)
        try call("sigaction") { sigaction(signal, &action, nil) }
    }
}
