import Dispatch
public import DokuenCore
import DokuenPosix

/// Puts generated files in `<root>/nginx/` so that nginx never loads one it has not accepted.
///
/// nginx can only test a file where its include glob finds it, so a change is tested in place, and every step is
/// an atomic rename (AtomicFile):
/// 1. the live file's content is copied to `.<name>.previous` (an empty copy stands for "there was no file";
///    generated files are never empty; dot files do not match `*.conf`);
/// 2. the new content replaces `<name>` (or `<name>` is removed);
/// 3. `nginx -t -q` checks the whole configuration; if it fails, `.<name>.previous` is renamed back (or the new
///    file removed) and the error carries nginx's output;
/// 4. otherwise the copy is removed and the reload command runs.
///
/// nginx reads files only when it starts or reloads, so the candidate on disk during step 3 is seen by nobody
/// but the test (a reload by someone else meanwhile would load it; one that fails keeps nginx's old config).
/// After a crash between steps 1 and 4, `restoreInterrupted()` puts every `.previous` copy back, since none of
/// them had passed its test. Calls run one at a time, start to finish (a gate held across their awaits): a test
/// must not see another file's candidate. nginx runs on a Dispatch thread, never on the cooperative pool.
public actor NginxInstaller {
    public let settings: NginxSettings
    private let gate = AsyncGate()

    public init(settings: NginxSettings) { self.settings = settings }

    /// Runs `body` holding the gate.
    private func exclusively<T>(_ body: () async throws(RoutingError) -> T) async throws(RoutingError) -> T {
        try await gate.holding(body)
    }

    /// Installs `app`'s file (`NginxRenderer.render`). Returns false, and runs nothing, when the file already
    /// has this content.
    @discardableResult
    public func install(app: AppName, contents: String) async throws(RoutingError) -> Bool {
        try await exclusively { () async throws(RoutingError) in
            try await replace(NginxRenderer.fileName(for: app), with: contents)
        }
    }

    /// Installs a proxy's file (`NginxRenderer.render` of a proxy's route); false when it already had this content.
    @discardableResult
    public func install(proxy name: AppName, contents: String) async throws(RoutingError) -> Bool {
        try await exclusively { () async throws(RoutingError) in
            try await replace(NginxRenderer.fileName(forProxy: name), with: contents)
        }
    }

    /// Removes a proxy's file, after nginx accepts the configuration without it.
    @discardableResult
    public func remove(proxy name: AppName) async throws(RoutingError) -> Bool {
        try await exclusively { () async throws(RoutingError) in
            try await replace(NginxRenderer.fileName(forProxy: name), with: nil)
        }
    }

    /// Installs the shared file (`NginxRenderer.renderShared`), which every app's file needs.
    @discardableResult
    public func installShared(_ routes: RouteSettings) async throws(RoutingError) -> Bool {
        try await exclusively { () async throws(RoutingError) in
            try await replace(NginxRenderer.sharedFileName, with: NginxRenderer.renderShared(routes))
        }
    }

    /// Removes `app`'s file, after nginx accepts the configuration without it. False when there was none.
    @discardableResult
    public func remove(app: AppName) async throws(RoutingError) -> Bool {
        try await exclusively { () async throws(RoutingError) in
            try await replace(NginxRenderer.fileName(for: app), with: nil)
        }
    }

    /// Tests the whole configuration as it is, then reloads: for a change nginx reads outside the generated files
    /// (an app's certificate replaced at the same path), which `install` skips as "no change". Changes nothing on
    /// disk, so when the test fails (`configRejected`, naming `app`'s file) undoing the outside change is the
    /// caller's part.
    public func testAndReload(app: AppName) async throws(RoutingError) {
        try await exclusively { () async throws(RoutingError) in
            let (status, output) = try await run(settings.testCommand)
            if status != .exited(0) {
                throw .configRejected(
                    file: path(NginxRenderer.fileName(for: app)), summary: firstLine(of: output) ?? "\(status)",
                    output: output)
            }
            try await runReload()
        }
    }

    /// Runs the reload command. `install` reloads by itself; the daemon calls this once at start, because an
    /// install that finds its content already in place (written before a crash) does not reload.
    public func reload() async throws(RoutingError) {
        try await exclusively { () async throws(RoutingError) in try await runReload() }
    }

    private func runReload() async throws(RoutingError) {
        let command = settings.reloadCommand
        let (status, output) = try await run(command)
        if status != .exited(0) { throw .reloadFailed(command: command, status: "\(status)", output: output) }
    }

    /// Puts back every file whose change was interrupted before nginx accepted it; returns their names.
    @discardableResult
    public func restoreInterrupted() throws(RoutingError) -> [String] {
        var restored: [String] = []
        let names: [String]
        do { names = try Posix.listDirectory(settings.directory) } catch { throw .system(error.description) }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".conf" + Self.backupSuffix) {
            let live = String(name.dropFirst().dropLast(Self.backupSuffix.count))
            try restore(live)
            restored.append(live)
        }
        return restored
    }

    static let backupSuffix = ".previous"

    private func path(_ name: String) -> String { settings.directory + "/" + name }
    private func backupPath(_ name: String) -> String { path("." + name + Self.backupSuffix) }

    private func replace(_ name: String, with contents: String?) async throws(RoutingError) -> Bool {
        let live = path(name)
        let old: [UInt8]?
        do {
            old = try Posix.lstat(live) == nil ? nil : try Posix.readFile(live)
        } catch {
            throw .system(error.description)
        }
        let new = contents.map { Array($0.utf8) }
        if old == new { return false }
        precondition(new?.isEmpty != true, "an empty nginx file would read as 'no file' in its backup")
        do {
            try AtomicFile.write(old ?? [], to: backupPath(name))
            if let new { try AtomicFile.write(new, to: live) } else { try Posix.unlink(live) }
        } catch {
            try? restore(name)
            throw .system(error.description)
        }
        let test = settings.testCommand
        let outcome: (ExitStatus, String)
        do { outcome = try await run(test) } catch {
            try restore(name)
            throw error
        }
        if outcome.0 != .exited(0) {
            try restore(name)
            throw .configRejected(
                file: live, summary: firstLine(of: outcome.1) ?? "\(outcome.0)", output: outcome.1)
        }
        do { try Posix.unlink(backupPath(name)) } catch { throw .system(error.description) }
        try await runReload()
        return true
    }

    /// Renames `.<name>.previous` back over `<name>`, or removes `<name>` when the copy is empty.
    private func restore(_ name: String) throws(RoutingError) {
        let backup = backupPath(name)
        do {
            guard let info = try Posix.lstat(backup) else { return }
            if info.size == 0 {
                if try Posix.lstat(path(name)) != nil { try Posix.unlink(path(name)) }
                try Posix.unlink(backup)
            } else {
                try Posix.rename(backup, path(name))
            }
            try Posix.fsyncDirectory(settings.directory)
        } catch {
            throw .system(error.description)
        }
    }

    /// Runs `argv` with no shell, stdin from /dev/null and stdout+stderr into a file (a pipe could fill up),
    /// killing its process group at the timeout. Returns how it ended and what it printed.
    private func run(_ argv: [String]) async throws(RoutingError) -> (ExitStatus, String) {
        let outputPath = path(".nginx-output." + String(Posix.getpid()))
        let timeout = settings.timeoutMilliseconds
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<(ExitStatus, String), RoutingError>, Never>) in
            DispatchQueue.global().async {
                do throws(RoutingError) {
                    continuation.resume(
                        returning: Result.success(try Self.run(argv, output: outputPath, timeout: timeout)))
                } catch {
                    continuation.resume(returning: Result.failure(error))
                }
            }
        }
        return try result.get()
    }

    private static func run(
        _ argv: [String], output outputPath: String, timeout: Int32
    ) throws(RoutingError) -> (ExitStatus, String) {
        guard let program = argv.first, program.hasPrefix("/") else {
            throw .system("unable to run \(argv.joined(separator: " ")): the program must be an absolute path")
        }
        do {
            let input = try Posix.open("/dev/null", .readOnly)
            defer { Posix.close(input) }
            let output = try Posix.open(outputPath, [.writeOnly, .create, .truncate])
            defer {
                Posix.close(output)
                try? Posix.unlink(outputPath)
            }
            let child = try ChildProcess.spawn(
                program, arguments: Array(argv.dropFirst()), environment: ["PATH": Self.childPath],
                stdin: input, stdout: output, stderr: output)
            guard let status = try child.wait(milliseconds: timeout) else {
                try child.signalGroup(.kill)
                _ = try child.wait()
                throw RoutingError.timedOut(command: argv, milliseconds: timeout)
            }
            return (status, String(decoding: try Posix.readFile(outputPath), as: UTF8.self))
        } catch let error as RoutingError {
            throw error
        } catch let error as PosixError {
            throw .system(error.description)
        } catch {
            throw .system("unable to run \(program): \(error)")
        }
    }

    /// nginx needs no environment; a fixed PATH keeps the daemon's (NOTIFY_SOCKET, …) out of it.
    private static let childPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
