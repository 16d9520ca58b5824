#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Posix {
    /// exit(3): ends the process with `code` now, from any thread (atexit handlers run, other threads do not).
    public static func exitProcess(_ code: Int32) -> Never {
        exit(code)
    }
}
