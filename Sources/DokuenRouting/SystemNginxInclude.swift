/// The file `dokuen setup` writes as `<nginx>/conf.d/dokuen.conf`: etc/nginx/dokuen.conf with the real root (a test
/// keeps the two identical). Debian's nginx.conf includes `conf.d/*.conf` inside `http {}`, before `sites-enabled/`,
/// which is what makes Dokuen's catch-all the first server of its ports (docs/ROUTING.md).
public enum SystemNginxInclude {
    /// The root in etc/nginx/dokuen.conf.
    public static let standardRoot = "/var/lib/dokuen"

    static let template = """
        # Dokuen's routes: put this line inside the http {} block of your nginx configuration
        # (Debian: save this file as /etc/nginx/conf.d/dokuen.conf, which nginx.conf already includes there).
        # Use your Dokuen root if it is not /var/lib/dokuen.
        include @ROOT@/nginx/*.conf;

        """

    /// The include for `root`, which must be a path nginx can read bare (ConfigPath's rules).
    public static func render(root: ConfigPath) -> String { template.replacing("@ROOT@", with: root.rawValue) }

    /// The pid file an nginx.conf names (`pid PATH;` at the top level), or Debian's default, /run/nginx.pid.
    public static func pidFile(mainConfig text: String) -> String {
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 2, words[0] == "pid", words[1].hasSuffix(";") else { continue }
            return String(words[1].dropLast())
        }
        return "/run/nginx.pid"
    }
}
