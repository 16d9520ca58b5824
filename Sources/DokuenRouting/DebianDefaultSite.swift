/// Debian's default site (`/etc/nginx/sites-enabled/default`, a link to `sites-available/default` from the package
/// nginx-common) says `default_server` on port 80, so it, not Dokuen's catch-all, answers host names no app has
/// (docs/ROUTING.md). `dokuen setup` disables it only when it is Debian's own, untouched file, and leaves a file a
/// user wrote or changed alone, with a message: that is the rule the docs state.
public enum DebianDefaultSite {
    /// The packaged file's path, the key of its checksum in dpkg's status.
    public static let packagedPath = "/etc/nginx/sites-available/default"

    /// The file as Debian 12 (nginx-common 1.22.1) ships it, for a machine whose dpkg status does not list it.
    public static let knownMD5s: Set<String> = ["f1f26aef86f90a484f3a2f46ccc46ff6"]

    /// What the enabled default site is.
    public enum Verdict: Equatable, Sendable {
        /// Nothing is enabled under that name.
        case absent
        /// Debian's own file, untouched: disabling it loses nothing a user wrote.
        case debians
        /// A file a user wrote or changed; `saysDefaultServer` when it claims the port's unknown names.
        case users(saysDefaultServer: Bool)
    }

    /// Judges the enabled site: Debian's own only when it is a link to the packaged file and that file's checksum
    /// (`contentMD5`, as coreutils' md5sum prints it) is one dpkg recorded for it (or a known release's). `content`
    /// is nil when nothing is enabled.
    public static func judge(
        content: [UInt8]?, contentMD5: String?, linksToPackagedFile: Bool, packagedMD5s: Set<String>
    ) -> Verdict {
        guard let content else { return .absent }
        if linksToPackagedFile, let contentMD5, packagedMD5s.contains(contentMD5) { return .debians }
        return .users(saysDefaultServer: String(decoding: content, as: UTF8.self).contains("default_server"))
    }

    /// The checksum dpkg recorded for the packaged file when it installed nginx-common: the `Conffiles:` field of
    /// its paragraph in /var/lib/dpkg/status (deb-conffiles(5)); nil when it is not there.
    public static func packagedMD5(dpkgStatus text: String) -> String? {
        for paragraph in text.split(separator: "\n\n") {
            let lines = paragraph.split(separator: "\n")
            guard lines.contains("Package: nginx-common"), let start = lines.firstIndex(of: "Conffiles:") else {
                continue
            }
            for line in lines[(start + 1)...] {
                guard line.hasPrefix(" ") else { break }
                let fields = line.split(separator: " ")
                if fields.count >= 2, fields[0] == packagedPath { return String(fields[1]) }
            }
        }
        return nil
    }

    /// The checksum in md5sum's output (`HEX  PATH`): nil unless it starts with 32 hex digits.
    public static func md5(md5sumOutput text: String) -> String? {
        let hex = text.prefix(32)
        guard hex.count == 32, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return String(hex)
    }
}
