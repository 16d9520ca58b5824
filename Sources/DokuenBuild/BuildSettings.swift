public import DokuenPosix

/// How builds run: as whom, with which time limits, and what the platform tells buildpacks.
public struct BuildSettings: Sendable {
    /// The user buildpack programs run as: `dokuen` when dokuend is root (docs/DESIGN.md §2, privileges; invariant 7),
    /// nil to run as dokuend's own user.
    public var user: ChildProcess.Credentials?
    /// The name of `user` (`dk-blog`), for messages; nil when unknown.
    public var userName: String?
    public var detectTimeout: Duration
    public var compileTimeout: Duration
    public var releaseTimeout: Duration
    /// Between SIGTERM and SIGKILL when a step runs past its limit.
    public var grace: Duration
    /// `STACK` for buildpacks that pick binaries by platform (Heroku sets `heroku-24`): `dokuen-<ID>-<VERSION_ID>`
    /// from /etc/os-release, e.g. `dokuen-debian-12`.
    public var stack: String
    /// `DOKUEN_RUNTIMES_DIR` for the built-in buildpacks: the platform's shared runtimes directory
    /// (`RootLayout.runtimesDirectory`); nil passes none, and each app keeps its runtimes in its own cache.
    public var runtimesDirectory: String?

    public init(
        user: ChildProcess.Credentials? = nil, userName: String? = nil, detectTimeout: Duration = .seconds(60),
        compileTimeout: Duration = .seconds(900), releaseTimeout: Duration = .seconds(60),
        grace: Duration = .seconds(10), stack: String = BuildSettings.hostStack(), runtimesDirectory: String? = nil
    ) {
        self.user = user
        self.userName = userName
        self.detectTimeout = detectTimeout
        self.compileTimeout = compileTimeout
        self.releaseTimeout = releaseTimeout
        self.grace = grace
        self.stack = stack
        self.runtimesDirectory = runtimesDirectory
    }

    /// This machine's stack name, from /etc/os-release; `dokuen` when there is none.
    public static func hostStack() -> String {
        stack(osRelease: (try? Posix.readFile("/etc/os-release")).map { String(decoding: $0, as: UTF8.self) } ?? "")
    }

    /// `dokuen-<ID>-<VERSION_ID>` from the text of os-release(5), keeping only `[a-z0-9.]` of each value.
    public static func stack(osRelease: String) -> String {
        var fields: [String: String] = [:]
        for line in osRelease.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let value = line[line.index(after: equals)...].filter {
                $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".")
            }
            fields[String(line[..<equals])] = value.lowercased()
        }
        return ["dokuen", fields["ID"], fields["VERSION_ID"]].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: "-")
    }
}
