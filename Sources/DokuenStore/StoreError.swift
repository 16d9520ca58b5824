import DokuenCore
import DokuenPosix

/// Every way the store can fail. The one error type of DokuenStore (docs/ARCHITECTURE.md: one error enum per module).
///
/// Each case names its object and its cause, and `description` follows the project's grammar,
/// `unable to <verb> <object>: <cause>`, so the daemon can print it once as `dokuend: <description>`.
/// SQLite failures carry the failing SQL (`SQLiteFailure`). Env values never appear in a message.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// sqlite3_open_v2 failed; the failure's `sql` is the path.
    case openFailed(path: String, SQLiteFailure)
    /// A statement failed to prepare or to run.
    case sql(SQLiteFailure)
    /// `PRAGMA journal_mode=WAL` did not take (for example on a file system without shared memory).
    case walUnavailable(path: String, journalMode: String)
    /// The database was written by a newer dokuend: its `user_version` is beyond the last migration we know.
    case schemaTooNew(path: String, found: Int, known: Int)
    /// A read-only open found a schema that needs migrating, which only the writer may do.
    case schemaTooOld(path: String, found: Int, needed: Int)
    /// Another process holds the writer lock (`<database>.lock`).
    case writerLocked(lockPath: String)
    /// A system call failed around the database (the lock file, creating the file).
    case posix(PosixError)
    /// A value failed DokuenCore's validation on its way in.
    case core(CoreError)
    /// A stored value does not read back as the type the code expects.
    case invalidStoredValue(column: String, value: String, reason: String)
    /// The store was closed and then used.
    case closed

    case appNotFound(AppName)
    case appExists(AppName)
    case buildNotFound(app: AppName, id: Int64)
    case buildExists(app: AppName, stamp: BuildStamp)
    /// A release still uses the build, so pruning must keep it (docs/DESIGN.md §2).
    case buildInUse(app: AppName, id: Int64)
    case releaseNotFound(app: AppName, ReleaseID)
    case formationNotFound(app: AppName, ProcessType)
    case invalidPortRange(ClosedRange<Int>)
    /// Every port of the range is leased; `instance` is `app:type.index@vN`.
    case portsExhausted(instance: String, range: ClosedRange<Int>)
    case invalidHostname(String, reason: String)
    case domainExists(String)
    case domainNotFound(String)
    case deployNotFound(Int64)
    /// Deploys are serialized per app (docs/DESIGN.md §2): this one is still running.
    case deployInProgress(app: AppName, id: Int64)
    case deployFinished(Int64)
    /// Add-ons (docs/ADDONS.md).
    case addonNotFound(AppName)
    case addonExists(AppName)
    case addonLinkExists(addon: AppName, app: AppName)
    case addonLinkNotFound(addon: AppName, app: AppName)
    case proxyExists(AppName)
    case proxyNotFound(AppName)

    public var description: String {
        switch self {
        case .openFailed(let path, let failure): "unable to open database \(path): \(failure)"
        case .sql(let failure): "unable to run SQL \"\(failure.shortSQL)\": \(failure)"
        case .walUnavailable(let path, let mode):
            "unable to turn on WAL for database \(path): journal_mode is still '\(mode)'"
        case .schemaTooNew(let path, let found, let known):
            "unable to open database \(path): its schema is v\(found), newer than v\(known), the newest this "
                + "dokuend knows; run a newer dokuend"
        case .schemaTooOld(let path, let found, let needed):
            "unable to read database \(path): its schema is v\(found) and this build needs v\(needed); "
                + "start dokuend once to migrate it"
        case .writerLocked(let lockPath):
            "unable to open the store for writing: another dokuend holds the writer lock \(lockPath)"
        case .posix(let error): error.description
        case .core(let error): error.description
        case .invalidStoredValue(let column, let value, let reason):
            "unable to read column \(column) (\(value)): \(reason)"
        case .closed: "unable to use the store: it is closed"
        case .appNotFound(let app): "unable to find app \(app): there is no app of that name"
        case .appExists(let app): "unable to create app \(app): an app of that name already exists"
        case .buildNotFound(let app, let id): "unable to find build \(id) of app \(app): there is no such build"
        case .buildExists(let app, let stamp):
            "unable to record build \(stamp) of app \(app): a build with that directory name already exists"
        case .buildInUse(let app, let id): "unable to delete build \(id) of app \(app): a release still uses it"
        case .releaseNotFound(let app, let release):
            "unable to find release \(release) of app \(app): there is no such release"
        case .formationNotFound(let app, let type):
            "unable to find process type \(type) of app \(app): it is not in the app's formation"
        case .invalidPortRange(let range):
            "unable to lease a port from \(range.lowerBound)-\(range.upperBound): ports run from 1 to 65535"
        case .portsExhausted(let instance, let range):
            "unable to lease a port for \(instance): every port in \(range.lowerBound)-\(range.upperBound) is leased"
        case .invalidHostname(let hostname, let reason): "unable to use domain \"\(hostname)\": \(reason)"
        case .proxyExists(let name): "unable to add proxy \(name): a proxy has that name or host name already"
        case .proxyNotFound(let name): "unable to find proxy \(name)"
        case .domainExists(let hostname): "unable to add domain \(hostname): it is already routed to an app"
        case .domainNotFound(let hostname): "unable to find domain \(hostname): no app has it"
        case .deployNotFound(let id): "unable to find deploy \(id): there is no such deploy"
        case .deployInProgress(let app, let id):
            "unable to start a deploy of \(app): deploy \(id) is still running"
        case .deployFinished(let id): "unable to finish deploy \(id): it has already finished"
        case .addonNotFound(let name): "unable to find add-on \(name): there is no add-on of that name"
        case .addonExists(let name): "unable to create add-on \(name): an add-on of that name already exists"
        case .addonLinkExists(let addon, let app): "unable to link \(app) to \(addon): it is already linked"
        case .addonLinkNotFound(let addon, let app): "unable to unlink \(app) from \(addon): it is not linked"
        }
    }
}
