/// Every way a user-supplied value can be refused by DokuenCore.
///
/// Each case names the object and says exactly what is wrong, so the CLI can print it once as
/// `dokuen: error: <description>`. Values that may be secret (environment values) are never echoed.
public enum CoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidAppName(String, reason: String)
    case invalidProcessType(String, reason: String)
    case invalidEnvKey(String, reason: String)
    case invalidEnvValue(key: String, reason: String)
    case procfile(line: Int, reason: String)
    case dotenv(line: Int, reason: String)
    case invalidFormation(String, reason: String)
    case invalidReleaseID(String, reason: String)
    case invalidBuildStamp(String, reason: String)
    case invalidRoot(reason: String)
    case invalidTarget(String, reason: String)
    /// A `KEY=VALUE` process setting (`dokuen ps set`, `app.json`); its values are not secret.
    case invalidSetting(String, reason: String)
    case invalidBranch(String, reason: String)
    /// A Procfile's `static: DIR`.
    case invalidStaticRoot(String, reason: String)
    /// An add-on's kind or name (docs/ADDONS.md).
    case invalidAddon(String, reason: String)
    case invalidAddonAlias(String, reason: String)
    case invalidAddonKind(String, reason: String)
    /// A cron job's schedule (app.json `cron`, docs/CRON.md).
    case invalidCronSchedule(String, reason: String)
    /// A backup schedule (`dokuen backup schedule`, docs/BACKUP.md) or a snapshot's time as restic writes it.
    case invalidBackupSchedule(String, reason: String)

    public var description: String {
        switch self {
        case .invalidAppName(let name, let reason): "invalid app name \(Quoting.quoted(name)): \(reason)"
        case .invalidProcessType(let name, let reason): "invalid process type \(Quoting.quoted(name)): \(reason)"
        case .invalidEnvKey(let key, let reason): "invalid config key \(Quoting.quoted(key)): \(reason)"
        case .invalidEnvValue(let key, let reason): "invalid value for config key \(key): \(reason)"
        case .procfile(let line, let reason): "Procfile line \(line): \(reason)"
        case .dotenv(let line, let reason): ".env line \(line): \(reason)"
        case .invalidFormation(let text, let reason): "invalid formation \(Quoting.quoted(text)): \(reason)"
        case .invalidReleaseID(let text, let reason): "invalid release \(Quoting.quoted(text)): \(reason)"
        case .invalidBuildStamp(let text, let reason): "invalid build directory name \(Quoting.quoted(text)): \(reason)"
        case .invalidRoot(let reason): "unable to find the dokuen root: \(reason)"
        case .invalidTarget(let text, let reason): "invalid target \(Quoting.quoted(text)): \(reason)"
        case .invalidSetting(let text, let reason): "invalid setting \(Quoting.quoted(text)): \(reason)"
        case .invalidBranch(let text, let reason): "invalid branch name \(Quoting.quoted(text)): \(reason)"
        case .invalidStaticRoot(let text, let reason): "invalid static directory \(Quoting.quoted(text)): \(reason)"
        case .invalidAddon(let text, let reason): "invalid add-on \(Quoting.quoted(text)): \(reason)"
        case .invalidAddonAlias(let text, let reason): "invalid add-on alias \(Quoting.quoted(text)): \(reason)"
        case .invalidAddonKind(let text, let reason): "invalid add-on kind \(Quoting.quoted(text)): \(reason)"
        case .invalidCronSchedule(let text, let reason): "invalid cron schedule \(Quoting.quoted(text)): \(reason)"
        case .invalidBackupSchedule(let text, let reason): "invalid backup schedule \(Quoting.quoted(text)): \(reason)"
        }
    }
}
