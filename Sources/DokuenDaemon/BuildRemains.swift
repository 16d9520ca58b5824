import DokuenCore
import DokuenPosix
import DokuenSupervision

/// What a build cut short leaves behind: its processes (a buildpack's compile, the release command, tar), which
/// outlive a killed dokuend, and its directory under `releases/`. Found from the build directory the deploy
/// recorded before its first file was unpacked (docs/FAULTS.md).
struct BuildRemains {
    let layout: RootLayout

    /// Kills the process group of every process that works in the build directory `stamp` of `app`: its working
    /// directory is inside it, or an argument names it. A pid is only ever signalled after /proc said it belongs to
    /// that build, so a recycled pid of something else is never killed.
    func kill(_ app: AppName, stamp: BuildStamp) {
        let directory = layout.app(app).build(stamp)
        let own = Self.processGroup(of: Posix.getpid())
        var groups: Set<Int32> = []
        for pid in Self.processes(in: directory) {
            guard let group = Self.processGroup(of: pid), group > 1, group != own else { continue }
            groups.insert(group)
        }
        for group in groups.sorted() {
            DaemonLog.error(app, "killing process group \(group) of the build releases/\(stamp) cut short by a restart")
            _ = try? Posix.kill(-group, Signals.kill)
        }
    }

    /// Removes every entry of `app`'s `releases/` that belongs to no build in `keeping`: the directory of a build
    /// cut short and its unpacking leftovers (`<stamp>.tar`, `<stamp>.tar.err`), or the directory of a build whose
    /// record a prune deleted before the prune was cut short. Names that are no build's are left alone.
    func removeDirectories(_ app: AppName, keeping: Set<BuildStamp>) throws {
        let releases = layout.app(app).releases
        for name in (try? Posix.listDirectory(releases)) ?? [] {
            let base =
                name.hasSuffix(".tar.err")
                ? String(name.dropLast(8)) : name.hasSuffix(".tar") ? String(name.dropLast(4)) : name
            guard let stamp = try? BuildStamp(base), !keeping.contains(stamp) else { continue }
            let path = releases + "/" + name
            if !Self.processes(in: path).isEmpty { continue }  // something still works there: not a leftover
            try Posix.removeTree(path)
        }
    }

    /// `removeDirectories` at start, which logs instead of failing: a leftover must not keep dokuend down.
    func sweep(_ app: AppName, keeping: Set<BuildStamp>) {
        do { try removeDirectories(app, keeping: keeping) } catch {
            DaemonLog.error(app, "unable to remove leftover build directories: \(error)")
        }
    }

    /// The live processes whose working directory is `directory` or inside it, or one of whose arguments names it.
    static func processes(in directory: String) -> [Int32] {
        var pids: [Int32] = []
        let names = (try? Posix.listDirectory("/proc")) ?? []
        for name in names {
            guard let pid = Int32(name), pid > 0, pid != Posix.getpid() else { continue }
            let cwd = (try? Posix.readlink("/proc/\(pid)/cwd")) ?? ""
            if cwd == directory || cwd.hasPrefix(directory + "/") {
                pids.append(pid)
                continue
            }
            let arguments = ((try? Posix.readFile("/proc/\(pid)/cmdline")) ?? []).split(separator: 0).map {
                String(decoding: $0, as: UTF8.self)
            }
            if arguments.contains(where: { $0 == directory || $0.hasPrefix(directory + "/") }) { pids.append(pid) }
        }
        return pids
    }

    /// The process group of `pid` (the fifth field of /proc/PID/stat, proc(5)); nil when it has gone.
    static func processGroup(of pid: Int32) -> Int32? {
        guard let bytes = try? Posix.readFile("/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        // The command name may hold spaces and parentheses: the fields after it start after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 2 else { return nil }
        return Int32(fields[2])
    }
}
