import DokuenPosix
import DokuenRouting
import TestSupport

/// A private nginx configuration in a temp directory: its pid, logs and temp paths stay inside, so `nginx -t`
/// (and a test server) runs as root or not without touching /etc or /var. Its `http {}` block includes
/// `<root>/nginx/*.conf`, as the user's does (etc/nginx/dokuen.conf).
struct NginxPrefix {
    /// Debian's `nginx-light` (or `nginx`) provides it.
    static let binary = NginxSettings.findBinary(searchPath: Posix.environment()["PATH"])

    let temp: TemporaryDirectory
    var path: String { temp.path }
    var root: String { temp("root") }
    var nginxDirectory: String { root + "/nginx" }
    var configFile: String { temp("nginx.conf") }

    init(label: String = "nginx") throws {
        temp = try TemporaryDirectory(label)
        for directory in ["logs", "tmp", "root", "root/nginx", "root/acme"] { try Posix.mkdir(temp(directory)) }
        try write(configFile, NginxPrefix.mainConfig(prefix: path, include: nginxDirectory + "/*.conf"))
    }

    /// The arguments that point nginx at this configuration (NginxSettings.configArguments).
    var configArguments: [String] { ["-p", path + "/", "-c", configFile, "-e", temp("logs/error.log")] }

    func remove() { temp.remove() }

    func write(_ path: String, _ text: String) throws { try AtomicFile.write(Array(text.utf8), to: path) }

    /// `nginx -t` of the whole configuration.
    func test() throws -> ProgramResult {
        try runProgram(NginxPrefix.binary!, configArguments + ["-t", "-q"], deadlineSeconds: 30)
    }

    static func mainConfig(prefix: String, include: String) -> String {
        """
        pid \(prefix)/nginx.pid;
        error_log \(prefix)/logs/error.log;
        worker_processes 1;
        events { worker_connections 64; }
        http {
            access_log \(prefix)/logs/access.log;
            client_body_temp_path \(prefix)/tmp/body;
            proxy_temp_path \(prefix)/tmp/proxy;
            fastcgi_temp_path \(prefix)/tmp/fastcgi;
            uwsgi_temp_path \(prefix)/tmp/uwsgi;
            scgi_temp_path \(prefix)/tmp/scgi;
            include \(include);
        }

        """
    }
}
