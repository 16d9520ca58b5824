import DokuenPosix
import Testing

@testable import DokuenRouting

/// The pure parts of `dokuen setup`'s nginx step: the include it writes, the pid file it reads, and whether the
/// enabled default site is Debian's untouched file (docs/ROUTING.md).
@Suite struct SystemNginxTests {
    static let repository = String(#filePath.split(separator: "/Tests/", maxSplits: 1)[0])

    @Test func md5sumsOutputGivesTheChecksum() {
        let sum = "f1f26aef86f90a484f3a2f46ccc46ff6"
        #expect(DebianDefaultSite.md5(md5sumOutput: sum + "  /etc/nginx/sites-enabled/default\n") == sum)
        #expect(DebianDefaultSite.md5(md5sumOutput: "") == nil)
        #expect(DebianDefaultSite.md5(md5sumOutput: "md5sum: /x: No such file or directory\n") == nil)
    }

    @Test func theIncludeIsTheRepositorysFileWithTheRoot() throws {
        let file = String(decoding: try Posix.readFile(Self.repository + "/etc/nginx/dokuen.conf"), as: UTF8.self)
        #expect(SystemNginxInclude.render(root: try ConfigPath(SystemNginxInclude.standardRoot)) == file)
        #expect(
            SystemNginxInclude.render(root: try ConfigPath("/tmp/r")).hasSuffix("\ninclude /tmp/r/nginx/*.conf;\n"))
    }

    @Test func thePidFileComesFromTheTopLevelDirective() {
        #expect(SystemNginxInclude.pidFile(mainConfig: "user www-data;\npid /run/nginx.pid;\n") == "/run/nginx.pid")
        #expect(SystemNginxInclude.pidFile(mainConfig: "pid\t/tmp/x/nginx.pid;\nhttp {}\n") == "/tmp/x/nginx.pid")
        #expect(SystemNginxInclude.pidFile(mainConfig: "# pid /nope;\nhttp {}\n") == "/run/nginx.pid")
    }

    static let status = """
        Package: nginx
        Status: install ok installed

        Package: nginx-common
        Status: install ok installed
        Conffiles:
         /etc/default/nginx 596fbc1f5712caaa02e8c799a4e2a01f
         /etc/nginx/sites-available/default f1f26aef86f90a484f3a2f46ccc46ff6
        Description: small, powerful, scalable web/proxy server - common files

        Package: other
        Conffiles:
         /etc/nginx/sites-available/default 00000000000000000000000000000000

        """

    @Test func dpkgsStatusGivesThePackagedChecksum() {
        #expect(DebianDefaultSite.packagedMD5(dpkgStatus: Self.status) == "f1f26aef86f90a484f3a2f46ccc46ff6")
        #expect(DebianDefaultSite.packagedMD5(dpkgStatus: "Package: nginx-common\nStatus: x\n") == nil)
        #expect(DebianDefaultSite.packagedMD5(dpkgStatus: "") == nil)
    }

    @Test func onlyDebiansUntouchedLinkedFileIsDebians() {
        let debian = Array("server { listen 80 default_server; }\n".utf8)
        let sum = "0123456789abcdef0123456789abcdef"
        let known: Set = [sum]
        func judge(_ content: [UInt8]?, _ md5: String?, linked: Bool) -> DebianDefaultSite.Verdict {
            DebianDefaultSite.judge(content: content, contentMD5: md5, linksToPackagedFile: linked, packagedMD5s: known)
        }
        #expect(judge(nil, nil, linked: false) == .absent)
        #expect(judge(debian, sum, linked: true) == .debians)
        // The same text as a file of its own, a changed file behind the link, or one md5sum could not read, is the
        // user's.
        #expect(judge(debian, sum, linked: false) == .users(saysDefaultServer: true))
        #expect(judge(debian, "ffffffffffffffffffffffffffffffff", linked: true) == .users(saysDefaultServer: true))
        #expect(judge(debian, nil, linked: true) == .users(saysDefaultServer: true))
        #expect(judge(Array("server {}\n".utf8), "1", linked: true) == .users(saysDefaultServer: false))
    }
}
