#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Posix {
    /// open(2)'s flags as named values, so that callers outside DokuenPosix need no libc constants
    /// (docs/ARCHITECTURE.md). O_CLOEXEC is not among them: `Posix.open` always sets it.
    public struct OpenFlags: OptionSet, Hashable, Sendable {
        public let rawValue: Int32

        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// O_RDONLY is 0: an empty set opens for reading, and `readOnly` says so where it is meant.
        public static let readOnly = OpenFlags(rawValue: O_RDONLY)
        public static let writeOnly = OpenFlags(rawValue: O_WRONLY)
        public static let readWrite = OpenFlags(rawValue: O_RDWR)
        public static let create = OpenFlags(rawValue: O_CREAT)
        /// With `create`: fail with EEXIST when the file exists.
        public static let exclusive = OpenFlags(rawValue: O_EXCL)
        public static let truncate = OpenFlags(rawValue: O_TRUNC)
        public static let append = OpenFlags(rawValue: O_APPEND)
        /// Fail with ELOOP when the last component is a symlink.
        public static let noFollow = OpenFlags(rawValue: O_NOFOLLOW)
        public static let nonBlocking = OpenFlags(rawValue: O_NONBLOCK)
        /// Fail with ENOTDIR unless the path is a directory.
        public static let directory = OpenFlags(rawValue: O_DIRECTORY)
    }

    /// open(2) with named flags; O_CLOEXEC is always set. The caller owns the returned fd.
    public static func open(_ path: String, _ flags: OpenFlags, mode: UInt32 = 0o600) throws(PosixError) -> Int32 {
        try open(path, flags.rawValue, mode: mode_t(mode))
    }
}
