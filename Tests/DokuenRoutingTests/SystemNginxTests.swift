import DokuenPosix
import Testing

@testable import DokuenRouting

/// The pure parts of `dokuen setup`'s nginx step: the include it writes, the pid file it reads, and whether the
/// enabled default site is Debian's untouched file (docs/ROUTING.md).
@Suite struct SystemNginxTests {
    static let repository = String(#filePath.split(separator: "/Tests/", maxSplits: 1)[0])

    @Test func md5MatchesRFC1321sVectors() {
        #expect(MD5.hex([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(MD5.hex(Array("message digest".utf8)) == "f96b697d7cb7938d525a2f31aaf161d0")
        let long = String(repeating: "1234567890", count: 8)
        #expect(MD5.hex(Array(long.utf8)) == "57edf4a22be3c955ac49da2e2107b67a")
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
        let known: Set = [MD5.hex(debian)]
        #expect(DebianDefaultSite.judge(content: nil, linksToPackagedFile: false, packagedMD5s: known) == .absent)
        #expect(DebianDefaultSite.judge(content: debian, linksToPackagedFile: true, packagedMD5s: known) == .debians)
        // The same text as a file of its own, or a changed file behind the link, is the user's.
        #expect(
            DebianDefaultSite.judge(content: debian, linksToPackagedFile: false, packagedMD5s: known)
                == .users(saysDefaultServer: true))
        #expect(
            DebianDefaultSite.judge(content: debian + [0x0A], linksToPackagedFile: true, packagedMD5s: known)
                == .users(saysDefaultServer: true))
        #expect(
            DebianDefaultSite.judge(content: Array("server {}\n".utf8), linksToPackagedFile: true, packagedMD5s: known)
                == .users(saysDefaultServer: false))
    }
}
