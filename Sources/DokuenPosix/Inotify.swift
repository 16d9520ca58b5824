#if canImport(Glibc)
    import Glibc
#endif

/// An inotify(7) instance that watches directories for what changes the files in them: a file written (IN_MODIFY),
/// created, moved in or out (rotation), deleted, and the directory's own removal. Reading blocks until something
/// changed, so a reader costs nothing while nothing does. Linux only.
public final class Inotify: Sendable {
    /// What one `read` found about one watch.
    public struct Change: Equatable, Sendable {
        /// The watch it concerns (`watchDirectory`'s result); -1 when the kernel's queue overflowed and changes of
        /// any watch may have been lost.
        public var watch: Int32
        /// Whether the watch ended (IN_IGNORED: the directory was removed, or `removeWatch`).
        public var ended: Bool
    }

    private let fd: Int32

    /// The instance's descriptor, to wait on beside others (`Posix.poll`); `read` consumes what it reports.
    public var descriptor: Int32 { fd }

    public init() throws(PosixError) {
        fd = try Posix.call("create an inotify instance") { inotify_init1(Int32(IN_CLOEXEC)) }
    }

    /// Starts watching `directory`; returns the watch.
    public func watchDirectory(_ directory: String) throws(PosixError) -> Int32 {
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF)
        return try Posix.call("watch", path: directory) { inotify_add_watch(fd, directory, mask) }
    }

    /// Stops a watch; its end is reported by a later `read` (IN_IGNORED).
    public func removeWatch(_ watch: Int32) {
        _ = inotify_rm_watch(fd, watch)
    }

    /// Blocks until changes arrive; returns one entry per watch that changed, in the order first seen.
    public func read() throws(PosixError) -> [Change] {
        // inotify(7): a buffer must hold at least one event with the longest name.
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = try Posix.read(fd, into: &buffer, path: "the inotify instance")
        var changes: [Change] = []
        var offset = 0
        while offset + 16 <= count {
            let (watch, mask, length) = buffer.withUnsafeBytes {
                (
                    $0.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                    $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                    $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)
                )
            }
            let ended = mask & UInt32(IN_IGNORED) != 0
            if let index = changes.firstIndex(where: { $0.watch == watch }) {
                changes[index].ended = changes[index].ended || ended
            } else {
                changes.append(Change(watch: watch, ended: ended))
            }
            offset += 16 + Int(length)
        }
        return changes
    }

    /// Waits up to `milliseconds` for a change and consumes what arrived; false when nothing changed in time.
    public func waitForChange(milliseconds: Int32) throws(PosixError) -> Bool {
        guard try Posix.waitReadable(fd, milliseconds: milliseconds) else { return false }
        _ = try read()
        return true
    }

    deinit { Posix.close(fd) }
}
