import DokuenPosix
import DokuenThreads
import Foundation
import ServiceLifecycle

/// Tells dokuend the moment a shim dies. A shim that is SIGKILLed or OOM-killed sends no event datagram
/// (docs/SHIM.md, Events), so without this its instance would stay dead, and what is left of its process group
/// alive, until something else made the reconciler look (a dead shim's group is killed before a replacement
/// starts).
///
/// It holds a pidfd (pidfd_open(2)) for every live shim the reconciler hands it. A shim is not dokuend's child
/// (`dokuen-shim start` forks, and a restarted dokuend adopts shims it never started), so waitpid(2) cannot see it,
/// but a pidfd polls readable when its process exits, child or not (pidfd_open(2)). A thread of its own
/// (`BlockingThread`) blocks in poll(2) on every pidfd plus the read end of a pipe that `watch` writes to when the set changes: it wakes when a
/// shim dies or the set changes, never on a timer. poll takes any number of fds, so hundreds of shims cost one
/// `pollfd` each.
public final class ShimWatcher: Service, @unchecked Sendable {
    /// A shim to watch: its pid (`shim_pid` in its `status`) and its service directory, whose `lock` it holds for
    /// its whole life.
    public struct Shim: Hashable, Sendable {
        public var pid: Int32
        public var directory: String

        public init(pid: Int32, directory: String) {
            self.pid = pid
            self.directory = directory
        }
    }

    private let onExit: @Sendable (Shim) -> Void
    /// Wakes the thread when the set changes.
    private let wake: Wakeup
    // `@unchecked Sendable`: everything below is guarded by `lock`.
    private let lock = NSLock()
    /// The pidfd of each watched shim. Only the thread closes pidfds (see `retired`).
    private var watched: [Shim: Int32] = [:]
    /// Pidfds that left the set. The thread closes them after its poll returned and before it builds the next
    /// `pollfd` array, so poll never holds a closed fd, nor a number the kernel has since given to another file.
    private var retired: [Int32] = []
    /// Shims `watch` found dead already; the thread reports them, so every report comes from one place.
    private var lost: [Shim] = []
    /// Set once pidfd_open(2) says ENOSYS (not Linux, or a kernel before 5.3): nothing can be watched.
    private var unsupported = false

    /// `onExit` runs once for each watched shim that exits, in `run`; it must not block.
    public init(onExit: @escaping @Sendable (Shim) -> Void) throws(PosixError) {
        self.onExit = onExit
        wake = try Wakeup()
    }

    /// Reports each exit until the group shuts down.
    public func run() async throws {
        let exits = BlockingThread.stream("dokuend shims") { (yield: (Shim) -> Void) in self.watchLoop(yield) }
        for await shim in exits.cancelOnGracefulShutdown() { onExit(shim) }
    }

    /// Makes `shims` the watched set: a pidfd is opened for each new one and closed for each that left.
    ///
    /// A pid can be reused once its process is gone, so a pidfd opened on a dead shim's pid would watch a stranger.
    /// After opening the pidfd, `watch` checks that the directory's `lock` is still held. The caller (the supervisor
    /// actor) read the pid from `status` and calls `watch` without suspending in between, and only that actor starts
    /// shims, so the holder of the lock is the shim the pid was read from. If it holds the lock after the pidfd was
    /// opened, it was alive when it was opened, and the pidfd refers to it. If not, it is dead (or dying): it is
    /// reported at once, like a shim whose pidfd_open says ESRCH.
    public func watch(_ shims: some Sequence<Shim>) {
        let wanted = Set(shims)
        let changed = lock.withLock {
            var changed = false
            for (shim, pidfd) in watched where !wanted.contains(shim) {
                watched[shim] = nil
                retired.append(pidfd)
                changed = true
            }
            for shim in wanted where watched[shim] == nil && !unsupported {
                switch open(shim) {
                case .watching(let pidfd): watched[shim] = pidfd
                case .dead: lost.append(shim)
                case .unwatchable: continue
                }
                changed = true
            }
            return changed
        }
        if changed { wake.wake() }
    }

    /// The shims watched right now.
    public var watching: Set<Shim> { lock.withLock { Set(watched.keys) } }

    private enum Opened {
        case watching(Int32)
        case dead
        case unwatchable
    }

    /// Opens a pidfd on `shim` and confirms it still holds its lock. Called with `lock` held.
    private func open(_ shim: Shim) -> Opened {
        let pidfd: Int32
        do {
            switch try Posix.openPidFD(shim.pid) {
            case .opened(let fd): pidfd = fd
            case .exited: return .dead
            case .unsupported:
                unsupported = true
                DaemonLog.error(
                    "shims", "unable to watch shims: this kernel has no pidfds; a killed shim is noticed late")
                return .unwatchable
            }
        } catch {
            // EMFILE and the like: the next pass tries again.
            DaemonLog.error("shims", "unable to watch the shim of \(shim.directory) (pid \(shim.pid)): \(error)")
            return .unwatchable
        }
        guard (try? FileLock.isHeld(shim.directory + "/lock")) ?? true else {
            Posix.close(pidfd)
            return .dead
        }
        return .watching(pidfd)
    }

    /// The thread: report, close, poll, repeat.
    private func watchLoop(_ onExit: (Shim) -> Void) {
        while true {
            let (entries, dead, closing) = lock.withLock {
                defer {
                    lost.removeAll()
                    retired.removeAll()
                }
                return (watched.map { (shim: $0.key, pidfd: $0.value) }, lost, retired)
            }
            for pidfd in closing { Posix.close(pidfd) }
            for shim in dead { onExit(shim) }

            let ready: [Bool]
            do {
                ready = try Posix.poll([wake.fd] + entries.map(\.pidfd), milliseconds: -1)
            } catch {
                DaemonLog.error("shims", "unable to watch shims: \(error)")
                return
            }
            if ready[0] { wake.drain() }

            let exited = lock.withLock {
                var exited: [Shim] = []
                for (index, entry) in entries.enumerated() where ready[index + 1] {
                    // `watch` may have dropped it meanwhile (it is then in `retired` already).
                    guard watched[entry.shim] == entry.pidfd else { continue }
                    watched[entry.shim] = nil
                    retired.append(entry.pidfd)
                    exited.append(entry.shim)
                }
                return exited
            }
            for shim in exited { onExit(shim) }
        }
    }
}
