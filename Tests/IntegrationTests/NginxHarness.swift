import DokuenPosix
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A real nginx on loopback for routing tests: its own prefix and configuration, whose `http {}` block includes
/// `<root>/nginx/*.conf` as a user's does (etc/nginx/README.md), and a dokuend that routes through it. `stop()`
/// stops both, by pid.
final class NginxHarness {
    static let binary: String? = {
        let candidates: [String] = ["/usr/sbin/nginx", "/usr/local/sbin/nginx"]
        return candidates.first { access($0, X_OK) == 0 }
    }()

    let prefix: TemporaryDirectory
    /// nginx's plain HTTP port, and its TLS port (for apps with a certificate).
    let port: Int
    let tlsPort: Int
    let daemon: DaemonHarness
    let server: BackgroundProgram

    /// `options` go to dokuend after the routing ones (`--http-port`, `--https-port` and nginx's arguments);
    /// `explicitReload` passes the reload command as `--nginx-reload` instead of leaving it to the default.
    init(label: String, options: [String] = [], explicitReload: Bool = false) throws {
        let nginx = try #require(Self.binary)
        prefix = try TemporaryDirectory("nginx")
        try Posix.chmod(prefix.path, 0o755)
        port = freeTCPPort()
        var tls = freeTCPPort()
        while tls == port { tls = freeTCPPort() }
        tlsPort = tls
        for directory in ["logs", "tmp"] { try Posix.mkdir(prefix(directory)) }
        let config = """
            pid \(prefix("nginx.pid"));
            error_log \(prefix("logs/error.log"));
            worker_processes 1;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(prefix("tmp/body"));
                proxy_temp_path \(prefix("tmp/proxy"));
                fastcgi_temp_path \(prefix("tmp/fastcgi"));
                uwsgi_temp_path \(prefix("tmp/uwsgi"));
                scgi_temp_path \(prefix("tmp/scgi"));
                include \(prefix("root"))/nginx/*.conf;
            }

            """
        try AtomicFile.write(Array(config.utf8), to: prefix("nginx.conf"))
        let arguments = ["-p", prefix.path + "/", "-c", prefix("nginx.conf"), "-e", prefix("logs/error.log")]
        daemon = try DaemonHarness(
            label: label,
            options: ["--nginx", nginx, "--http-port", String(port), "--https-port", String(tlsPort)]
                + arguments.flatMap { ["--nginx-arg", $0] }
                + (explicitReload
                    ? ["--nginx-reload", ([nginx] + arguments + ["-s", "reload"]).joined(separator: " ")] : [])
                + options)
        do {
            try Posix.symlink(target: daemon.root, at: prefix("root"))
            server = try BackgroundProgram(
                nginx, arguments + ["-g", "daemon off;"], environment: ["PATH": "/usr/bin:/bin"])
        } catch {
            daemon.stop()
            prefix.remove()
            throw error
        }
    }

    func stop() {
        server.stop()
        daemon.stop()
        prefix.remove()
    }

    /// A GET over TLS through nginx for `host` (resolved to 127.0.0.1, so SNI names it; any certificate is taken):
    /// the body, or curl's error on standard error.
    func getTLS(_ host: String, path: String = "/") throws -> ProgramResult {
        try runProgram(
            "/usr/bin/curl",
            [
                "-sS", "-k", "--max-time", "10", "--resolve", "\(host):\(tlsPort):127.0.0.1",
                "https://\(host):\(tlsPort)\(path)",
            ])
    }

    /// A GET through nginx for `host`: the body, or curl's error on standard error.
    func get(_ host: String, path: String = "/") throws -> ProgramResult {
        try runProgram(
            "/usr/bin/curl", ["-sS", "--max-time", "10", "-H", "Host: \(host)", "http://127.0.0.1:\(port)\(path)"])
    }
}
