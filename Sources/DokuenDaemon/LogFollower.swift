import DokuenCore
import DokuenPosix
import DokuenThreads
import Foundation
import Synchronization

/// Reads the instance logs of one app, `apps/<app>/logs/<type>.<n>.log`, which the shim rotates to `.1`, `.2`, …
/// (docs/SHIM.md): first the last lines of every selected instance merged in time order, then, when following, the
/// lines appended since, across rotations, and from instances that appear later (a scale-up).
///
/// Lines start with the shim's UTC timestamp (`--log-timestamps`, fixed width), so text order is time order. A line
/// without one (written before timestamps were on) sorts with the line before it in the same file.
struct LogFollower: Sendable {
    /// One line of a log, without its newline.
    struct Line: Sendable, Equatable {
        /// The instance that wrote it: `web.1`.
        let dyno: String
        /// `2026-11-22T05:36:13.123Z`, nil when the line has no timestamp.
        let time: String?
        /// The line after its timestamp.
        let text: String
        /// What the merge sorts by: the line's time, else that of the line before it in the same file.
        let key: String
    }

    /// One instance's current log, open at the end of what has been read.
    private struct OpenLog: Sendable {
        let dyno: String
        let path: String
        var fd: Int32
        var device: UInt64
        var inode: UInt64
        var offset: Int64 = 0
        /// Read bytes after the last newline (the shim writes whole lines, so this is a write caught halfway).
        var partial: [UInt8] = []
        var lastKey = ""
    }

    /// `2026-11-22T05:36:13.123Z ` is 25 bytes.
    static let timestampWidth = 25
    /// A backlog reads at most this much of one file, however long its lines are.
    static let maxBacklogBytes = 16 << 20

    let directory: String
    let type: ProcessType?
    let index: Int?
    private var logs: [String: OpenLog] = [:]

    /// Follows the logs in `directory` of every instance, of every instance of `type`, or of one instance.
    init(directory: String, type: ProcessType?, index: Int?) {
        self.directory = directory
        self.type = type
        self.index = index
    }

    /// Whether no selected instance had a log when the backlog was read.
    var isEmpty: Bool { logs.isEmpty }

    /// Opens every selected instance log and returns the last `count` lines of them all, merged in time order. Each
    /// log stays open at the end of its last whole line, for `readNew`.
    mutating func backlog(_ count: Int) throws(PosixError) -> [Line] {
        var lines: [Line] = []
        for name in try selectedNames() {
            guard var log = open(name) else { continue }
            lines += lastLines(count, of: &log)
            logs[name] = log
        }
        return Array(Self.merged(lines).suffix(count))
    }

    /// The lines written since the last read, merged in time order: appended to an open log, left in a log that
    /// was rotated away (then the new file from its start), and in logs that appeared since.
    mutating func readNew() -> [Line] {
        var lines: [Line] = []
        for name in logs.keys.sorted() { lines += readNew(name) }
        for name in (try? selectedNames()) ?? [] where logs[name] == nil {
            guard var log = open(name) else { continue }
            lines += readAppended(&log)
            logs[name] = log
        }
        return Self.merged(lines)
    }

    /// Closes every open log.
    mutating func close() {
        for log in logs.values { Posix.close(log.fd) }
        logs = [:]
    }

    // MARK: Reading

    private mutating func readNew(_ name: String) -> [Line] {
        guard var log = logs[name] else { return [] }
        // Look at the path before draining the open file: the shim writes to the old file only before it renames
        // it (LogWriter.rotate), so once the path names a new file, the old one is complete when drained after.
        let current = try? Posix.statFollowingSymlinks(log.path)
        let rotated = current.map { $0.device != log.device || $0.inode != log.inode } ?? false
        if let opened = try? Posix.fstat(log.fd), opened.size < log.offset {
            // Truncated in place (a shim keeping no backups): start again from the top.
            log.offset = 0
            log.partial = []
        }
        var lines = readAppended(&log)
        if rotated {
            if !log.partial.isEmpty { lines.append(line(log.partial, of: &log)) }
            Posix.close(log.fd)
            guard var next = open(name) else {
                logs[name] = nil
                return lines
            }
            next.lastKey = log.lastKey
            lines += readAppended(&next)
            log = next
        }
        logs[name] = log
        return lines
    }

    /// Reads from the log's offset to its end; returns the whole lines.
    private func readAppended(_ log: inout OpenLog) -> [Line] {
        var lines: [Line] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = (try? Posix.read(log.fd, into: &buffer, at: log.offset, path: log.path)) ?? 0
            if count <= 0 { break }
            log.offset += Int64(count)
            var start = 0
            for position in 0..<count where buffer[position] == 0x0A {
                if log.partial.isEmpty {
                    lines.append(line(buffer[start..<position], of: &log))
                } else {
                    log.partial += buffer[start..<position]
                    lines.append(line(log.partial, of: &log))
                    log.partial = []
                }
                start = position + 1
            }
            log.partial += buffer[start..<count]
        }
        return lines
    }

    /// The last `count` whole lines of an instance: its current log, then as many rotated ones as it takes.
    private func lastLines(_ count: Int, of log: inout OpenLog) -> [Line] {
        guard let info = try? Posix.fstat(log.fd) else { return [] }
        let current = Self.tail(log.fd, end: info.size, count: count)
        log.offset = current.end
        var chunks = [current.lines]
        var found = current.lines.count
        var backup = 1
        while found < count {
            guard let fd = try? Posix.open(log.path + ".\(backup)", .readOnly) else { break }
            defer { Posix.close(fd) }
            guard let info = try? Posix.fstat(fd) else { break }
            let older = Self.tail(fd, end: info.size, count: count - found).lines
            chunks.insert(older, at: 0)
            found += older.count
            backup += 1
        }
        return chunks.joined().map { line($0, of: &log) }
    }

    /// The last `count` whole lines before `end`, read backwards in blocks, and where the last one ends.
    private static func tail(_ fd: Int32, end: Int64, count: Int) -> (lines: [ArraySlice<UInt8>], end: Int64) {
        var blocks: [[UInt8]] = []
        var total = 0
        var start = end
        var newlines = 0
        // One newline more than `count` marks where the first wanted line begins.
        while start > 0 && newlines <= count && total < maxBacklogBytes {
            let size = Int(min(65_536, start))
            var block = [UInt8](repeating: 0, count: size)
            let got = (try? Posix.read(fd, into: &block, at: start - Int64(size))) ?? -1
            guard got == size else { break }
            start -= Int64(size)
            newlines += block.count { $0 == 0x0A }
            total += size
            blocks.append(block)
        }
        let chunk = Array(blocks.reversed().joined())
        guard let lastNewline = chunk.lastIndex(of: 0x0A) else { return ([], end - Int64(chunk.count)) }
        var lines = chunk[...lastNewline].split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        // Unless the file was read from its start, the first piece is the end of an older line.
        if start > 0 { lines = lines.dropFirst() }
        let partial = chunk.count - lastNewline - 1
        return (Array(lines.suffix(count)), end - Int64(partial))
    }

    private func line(_ bytes: some Collection<UInt8>, of log: inout OpenLog) -> Line {
        let bytes = Array(bytes)
        guard Self.hasTimestamp(bytes) else {
            return Line(dyno: log.dyno, time: nil, text: String(decoding: bytes, as: UTF8.self), key: log.lastKey)
        }
        let time = String(decoding: bytes[..<(Self.timestampWidth - 1)], as: UTF8.self)
        log.lastKey = time
        return Line(
            dyno: log.dyno, time: time, text: String(decoding: bytes[Self.timestampWidth...], as: UTF8.self), key: time)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ ` at the start, as the shim writes it.
    static func hasTimestamp(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= timestampWidth else { return false }
        for (offset, byte) in bytes[..<timestampWidth].enumerated() {
            let expected: UInt8? =
                switch offset {
                case 4, 7: UInt8(ascii: "-")
                case 10: UInt8(ascii: "T")
                case 13, 16: UInt8(ascii: ":")
                case 19: UInt8(ascii: ".")
                case 23: UInt8(ascii: "Z")
                case 24: UInt8(ascii: " ")
                default: nil
                }
            if let expected { if byte != expected { return false } } else if !(48...57).contains(byte) { return false }
        }
        return true
    }

    /// Time order; lines with the same time keep the order they were read in.
    private static func merged(_ lines: [Line]) -> [Line] {
        lines.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element)
    }

    // MARK: Files

    /// The current logs (`<type>.<n>.log`) of the selected instances, by type, then index.
    private func selectedNames() throws(PosixError) -> [String] {
        let names: [String]
        do { names = try Posix.listDirectory(directory) } catch  where error.code == .noEntry { return [] }
        var found: [(ProcessType, Int, String)] = []
        for name in names where name.hasSuffix(".log") {
            let dyno = name.dropLast(4)
            guard let dot = dyno.lastIndex(of: "."),
                let type = try? ProcessType(String(dyno[..<dot])),
                case let number = dyno[dyno.index(after: dot)...],
                number.first != "0", number.utf8.count <= 3, let index = Int(number),
                (1...InstanceID.maxIndex).contains(index)
            else { continue }
            if let wanted = self.type, wanted != type { continue }
            if let wanted = self.index, wanted != index { continue }
            found.append((type, index, name))
        }
        return found.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }

    private func open(_ name: String) -> OpenLog? {
        let path = directory + "/" + name
        guard let fd = try? Posix.open(path, .readOnly) else { return nil }
        guard let info = try? Posix.fstat(fd) else {
            Posix.close(fd)
            return nil
        }
        return OpenLog(
            dyno: String(name.dropLast(4)), path: path, fd: fd, device: info.device,
            inode: info.inode)
    }
}

extension LogFollower {
    /// Wakes followers when an app's logs directory changes. One inotify watch on the directory reports appends
    /// (IN_MODIFY of a file in it), rotation (IN_MOVED_FROM/TO), new instance logs (IN_CREATE) and the directory's
    /// removal (IN_IGNORED), so a follower reads only when there is something to read: inotify(7) rather than a
    /// poll, because an idle `logs -f` should cost nothing. The daemon has one inotify instance and one thread
    /// blocked in read(2) on it (`BlockingThread`), for all followers, made when the first follower starts.
    final class Watcher: Sendable {
        private struct Registry {
            var inotify: Inotify?
            var followers: [Int32: [Int: AsyncStream<Void>.Continuation]] = [:]
            var nextID = 0
        }

        private let registry = Mutex(Registry())

        init() {}

        /// A stream that yields after every change in `directory` and ends when the directory is removed or
        /// `stop` is called (from any thread, any number of times).
        func watch(_ directory: String) throws(PosixError) -> (changes: AsyncStream<Void>, stop: @Sendable () -> Void) {
            let (changes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            let (watch, id) = try registry.withLock { registry throws(PosixError) in
                let inotify: Inotify
                if let existing = registry.inotify {
                    inotify = existing
                } else {
                    inotify = try Inotify()
                    registry.inotify = inotify
                    BlockingThread.start("dokuend logs") { [self] in run(inotify) }
                }
                let watch = try inotify.watchDirectory(directory)
                registry.nextID += 1
                registry.followers[watch, default: [:]][registry.nextID] = continuation
                return (watch, registry.nextID)
            }
            let stop: @Sendable () -> Void = { [self] in unwatch(watch, id) }
            continuation.onTermination = { _ in stop() }
            return (changes, stop)
        }

        private func unwatch(_ watch: Int32, _ id: Int) {
            let continuation = registry.withLock { registry -> AsyncStream<Void>.Continuation? in
                guard let continuation = registry.followers[watch]?.removeValue(forKey: id) else { return nil }
                if registry.followers[watch]?.isEmpty == true {
                    registry.followers[watch] = nil
                    registry.inotify?.removeWatch(watch)
                }
                return continuation
            }
            // Outside the lock: finishing runs onTermination, which comes back here.
            continuation?.finish()
        }

        /// The thread: reads changes and wakes the followers of their directories.
        private func run(_ inotify: Inotify) {
            while true {
                let changes: [Inotify.Change]
                do { changes = try inotify.read() } catch {
                    DaemonLog.error("logs", "unable to read log changes: \(error)")
                    return
                }
                var woken: [Int32: Bool] = [:]  // watch -> ended
                for change in changes { woken[change.watch] = change.ended }
                // An overflow (watch -1) may have lost any change: wake everyone.
                if woken[-1] != nil { registry.withLock { for watch in $0.followers.keys { woken[watch] = false } } }
                let wake = registry.withLock { registry in
                    woken.map { watch, ended in
                        let followers = Array((registry.followers[watch] ?? [:]).values)
                        if ended { registry.followers[watch] = nil }
                        return (followers, ended)
                    }
                }
                for (followers, ended) in wake {
                    for follower in followers {
                        if ended { follower.finish() } else { follower.yield() }
                    }
                }
            }
        }
    }
}
