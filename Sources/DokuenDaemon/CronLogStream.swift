import DokuenPosix
import DokuenThreads
import Synchronization

/// Streams what one cron run writes to its log for `cron run` (docs/CRON.md), as `logs -f` follows an instance log:
/// from where the run's output begins (after its opening line), on each change inotify(7) reports in the log's
/// directory, across the shim's rotations, until the run's end is known, then up to where its closing line begins.
/// A thread of its own blocks in poll(2) on the inotify instance and a wakeup (`finish`, `cancel`); nothing polls on
/// a timer.
final class CronLogStream: Sendable {
    /// Where the run's output ends: the log's inode and size before dokuend appended the closing line.
    struct End: Sendable, Equatable {
        let inode: UInt64
        let offset: Int64
    }

    private let path: String
    private let wake: Wakeup
    private let state = Mutex<(end: End?, cancelled: Bool)>((nil, false))

    init(path: String) throws(PosixError) {
        self.path = path
        wake = try Wakeup()
    }

    /// The run ended: stream what is left up to `end`, then finish.
    func finish(at end: End) {
        state.withLock { $0.end = end }
        wake.wake()
    }

    /// The client went away: stop reading (the run goes on under its shim).
    func cancel() {
        state.withLock { $0.cancelled = true }
        wake.wake()
    }

    /// The lines written to the log with `inode` from `offset` on, each without its newline.
    func lines(from offset: Int64, inode: UInt64) -> AsyncStream<String> {
        BlockingThread.stream("dokuend cron run") { (yield: (String) -> Void) in
            self.follow(from: offset, inode: inode, yield)
        }
    }

    private func follow(from start: Int64, inode: UInt64, _ yield: (String) -> Void) {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        let inotify = try? Inotify()
        _ = try? inotify?.watchDirectory(directory)
        var fd = try? Posix.open(path, .readOnly)
        var current = fd.flatMap { try? Posix.fstat($0).inode }
        // Rotated between the opening line and now: the run's output began in `FILE.1`.
        if current != inode, let old = try? Posix.open(path + ".1", .readOnly), (try? Posix.fstat(old).inode) == inode {
            if let fd { Posix.close(fd) }
            fd = old
            current = inode
        }
        // `pending` holds what was read and not yielded yet: the bytes of the file from `offset - pending.count`.
        var offset = current == inode ? start : 0
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        defer { if let fd { Posix.close(fd) } }

        /// Reads `fd` from `offset` to its end, or to `limit`.
        func read(upTo limit: Int64? = nil) {
            guard let fd else { return }
            while limit.map({ offset < $0 }) ?? true {
                let wanted = limit.map { min(Int($0 - offset), buffer.count) } ?? buffer.count
                guard let count = try? Posix.read(fd, into: &buffer, count: wanted, at: offset), count > 0 else {
                    return
                }
                offset += Int64(count)
                pending += buffer[0..<count]
            }
        }
        /// Yields each whole line of `pending`. While the end is unknown, a last line that could be dokuend's
        /// closing line (`--- …`) waits until something follows it or the end is known.
        func yieldLines(final: Bool) {
            while let newline = pending.firstIndex(of: 10) {
                let line = pending[..<newline]
                if !final, line.starts(with: Array("--- ".utf8)), newline == pending.count - 1 { return }
                yield(String(decoding: line, as: UTF8.self))
                pending.removeSubrange(...newline)
            }
            if final, !pending.isEmpty {
                yield(String(decoding: pending, as: UTF8.self))
                pending.removeAll()
            }
        }
        /// Moves to the file now at `path` when the shim rotated the one being read.
        func followRotation() {
            guard let now = try? Posix.lstat(path), now.inode != current else { return }
            read()
            yieldLines(final: false)
            if let fd { Posix.close(fd) }
            fd = try? Posix.open(path, .readOnly)
            current = fd.flatMap { try? Posix.fstat($0).inode }
            offset = 0
        }

        while true {
            let (end, cancelled) = state.withLock { ($0.end, $0.cancelled) }
            if cancelled { return }
            if let end {
                if current != end.inode { followRotation() }
                read(upTo: end.offset)
                // What was read past the end (the closing line, a next run) is not this run's.
                let beyond = Int(max(offset - end.offset, 0))
                pending.removeLast(min(beyond, pending.count))
                yieldLines(final: true)
                return
            }
            read()
            yieldLines(final: false)
            followRotation()
            let fds = [wake.fd] + (inotify.map { [$0.descriptor] } ?? [])
            guard let ready = try? Posix.poll(fds, milliseconds: -1) else { return }
            if ready[0] { wake.drain() }
            if ready.count > 1, ready[1] { _ = try? inotify?.read() }
        }
    }
}
