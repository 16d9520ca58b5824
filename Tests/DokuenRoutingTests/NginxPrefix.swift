import DokuenPosix
import DokuenRouting
import TestSupport

/// A private nginx configuration in a temp directory: its pid, logs and temp paths stay inside, so `nginx -t`
/// (and a test server) runs as root or not without touching /etc or /var. Its `http {}` block includes
/// `<root>/nginx/*.conf`, as the user's does (etc/nginx/dokuen.conf). It is user mode's `PrivateNginx`, with the
/// temp directory as its prefix.
struct NginxPrefix {
    /// Debian's `nginx-light` (or `nginx`) provides it.
    static let binary = NginxSettings.findBinary(searchPath: Posix.environment()["PATH"])

    let temp: TemporaryDirectory
    var path: String { temp.path }
    var root: String { temp("root") }
    var nginxDirectory: String { root + "/nginx" }
    let nginx: PrivateNginx
    var configFile: String { nginx.configFile }

    init(label: String = "nginx") throws {
        temp = try TemporaryDirectory(label)
        nginx = try PrivateNginx(
            directory: ConfigPath(temp.path), include: ConfigPath(temp("root/nginx")),
            binary: NginxPrefix.binary ?? "/usr/sbin/nginx", mimeTypes: nil)
        for directory in nginx.directories + [temp("root"), temp("root/nginx"), temp("root/acme")] {
            try Posix.mkdir(directory, existingOK: true)
        }
        try write(configFile, nginx.config())
    }

    /// The arguments that point nginx at this configuration (NginxSettings.configArguments).
    var configArguments: [String] { nginx.configArguments }

    func remove() { temp.remove() }

    func write(_ path: String, _ text: String) throws { try AtomicFile.write(Array(text.utf8), to: path) }

    /// `nginx -t` of the whole configuration.
    func test() throws -> ProgramResult {
        try runProgram(NginxPrefix.binary!, configArguments + ["-t", "-q"], deadlineSeconds: 30)
    }
}
