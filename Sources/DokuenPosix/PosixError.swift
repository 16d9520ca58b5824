#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: which call, on what, and the errno. Its description follows the project's grammar,
/// `unable to <call> <path>: <strerror>`.
public struct PosixError: Error, Equatable, Sendable, CustomStringConvertible {
    public let call: String
    public let path: String?
    public let errno: Int32

    public init(_ call: String, path: String? = nil, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    public var description: String {
        "unable to \(call)" + (path.map { " \($0)" } ?? "") + ": " + String(cString: strerror(errno))
    }
}
