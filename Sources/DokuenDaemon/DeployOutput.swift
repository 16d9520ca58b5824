import DokuenBuild
import DokuenCore
import DokuenPosix
import Synchronization

/// One deploy's output kept on disk, `apps/APP/deploys/ID.log` (docs/DASHBOARD.md, Deploy output): the lines
/// `dokuen deploy` and `git push` print, formatted as they print them, so that the dashboard shows a deploy's output
/// after it ended. Every kind of deploy keeps one (a push, a config release, a rollback, a settings or rolling
/// restart): `DeployQueue.start` opens it for the deploy it starts. Each line is appended as it arrives, so a crash
/// leaves what was written; the file is 0600 in a 0700 directory, dokuend's user's alone, and capped at `cap`
/// bytes, ending with a line that says the rest was cut. Only the newest `kept` files of an app stay.
final class DeployOutput: Sendable {
    /// The most a deploy's output file holds; a build that prints more is cut there.
    static let cap = 1 << 20
    /// How many deploys' output an app keeps: the deploys table is never pruned, its output files are.
    static let kept = 50

    let path: String
    private let state: Mutex<(fd: Int32?, written: Int)>

    /// Opens deploy `id`'s output file, created empty, and removes the oldest files of `app` beyond `kept`. A file
    /// that cannot be made is said once in dokuend's log: the deploy goes on without it.
    init(layout: RootLayout, app: AppName, deploy id: Int64) {
        let directory = layout.app(app).deploys
        path = layout.app(app).deployOutput(id)
        var fd: Int32?
        do {
            _ = try Posix.mkdir(directory, mode: 0o700, existingOK: true)
            fd = try Posix.open(path, [.writeOnly, .create, .truncate, .noFollow], mode: 0o600)
        } catch {
            DaemonLog.error(app, "unable to keep the output of deploy \(id): \(error)")
        }
        state = Mutex((fd, 0))
        Self.prune(directory)
    }

    deinit {
        state.withLock {
            if let fd = $0.fd { Posix.close(fd) }
        }
    }

    /// Passes each line to `progress` as it is, and appends it to the file as `dokuen deploy` prints it: a line
    /// that is neither a `-----> ` header nor indented is a step, and gets the header.
    func keeping(_ progress: @escaping @Sendable (String) -> Void) -> @Sendable (String) -> Void {
        { line in
            self.append(line)
            progress(line)
        }
    }

    /// Appends `line` (a step unless already formatted), or at the cap a last line saying the rest was cut.
    func append(_ line: String) {
        let text = Self.formatted(line) + "\n"
        state.withLock { state in
            guard let fd = state.fd else { return }
            var bytes = Array(text.utf8)
            let cut = state.written + bytes.count > Self.cap
            if cut {
                bytes = Array(
                    (BuildLog.header("Output cut at \(Self.cap >> 20) MiB: the rest was not kept") + "\n").utf8)
            }
            do {
                try Posix.writeAll(fd, bytes, path: path)
                state.written += bytes.count
            } catch {
                DaemonLog.error("deploys", "unable to keep deploy output in \(path): \(error)")
            }
            if cut {
                Posix.close(fd)
                state.fd = nil
            }
        }
    }

    /// A line as `dokuen deploy` prints it.
    static func formatted(_ line: String) -> String {
        if line.isEmpty || line.hasPrefix(BuildLog.headerPrefix) || line.hasPrefix(BuildLog.indentation)
            || line.hasPrefix(" !     ")
        {
            return line
        }
        return BuildLog.header(line)
    }

    /// Deploy output files in `directory`, by deploy id, newest first.
    static func files(in directory: String) -> [(id: Int64, name: String)] {
        let names = (try? Posix.listDirectory(directory)) ?? []
        return names.compactMap { name in
            guard name.hasSuffix(".log"), let id = Int64(name.dropLast(4)), id > 0 else { return nil }
            return (id, name)
        }.sorted { $0.id > $1.id }
    }

    /// Removes every output file of `directory` but the newest `kept`.
    static func prune(_ directory: String) {
        for file in files(in: directory).dropFirst(kept) {
            try? Posix.unlink(directory + "/" + file.name)
        }
    }

    /// Deploy `id`'s kept output, or nil when there is none.
    static func read(layout: RootLayout, app: AppName, deploy id: Int64) throws(PosixError) -> [UInt8]? {
        let path = layout.app(app).deployOutput(id)
        do {
            return try Posix.readFile(path)
        } catch  where error.code == .noEntry {
            return nil
        }
    }
}
