import CDokuenSpawn

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Posix {
    /// What `openPidFD` found.
    public enum PidFDOpening: Equatable, Sendable {
        /// A pidfd the caller owns: it polls readable once the process exits.
        case opened(Int32)
        /// No such process (ESRCH): it exited already.
        case exited
        /// No pidfds here (ENOSYS: not Linux, or a kernel before 5.3).
        case unsupported
    }

    /// pidfd_open(2): an fd that polls readable when `pid` exits, whether or not it is this process's child (a shim
    /// is not dokuend's, and waitpid(2) cannot see it).
    public static func openPidFD(_ pid: Int32) throws(PosixError) -> PidFDOpening {
        while true {
            let fd = dokuen_pidfd_open(pid)
            if fd >= 0 { return .opened(fd) }
            switch errno {
            case EINTR: continue
            case ESRCH: return .exited
            case ENOSYS: return .unsupported
            case let code: throw PosixError("open a pidfd for", path: "pid \(pid)", errno: code)
            }
        }
    }
}
