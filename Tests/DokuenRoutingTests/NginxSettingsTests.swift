import DokuenPosix
import DokuenRouting
import TestSupport
import Testing

@Suite struct NginxSettingsTests {
    @Test func theDefaultReloadUsesTheSameConfiguration() {
        let settings = NginxSettings(
            directory: "/var/lib/dokuen/nginx", binary: "/usr/sbin/nginx", configArguments: ["-c", "/x/nginx.conf"])
        #expect(settings.reloadCommand == ["/usr/sbin/nginx", "-c", "/x/nginx.conf", "-s", "reload"])
        #expect(settings.testCommand == ["/usr/sbin/nginx", "-c", "/x/nginx.conf", "-t", "-q"])
    }

    @Test func findBinarySearchesPathThenSbin() throws {
        let temp = try TemporaryDirectory("ngx-find")
        defer { temp.remove() }
        #expect(NginxSettings.findBinary(searchPath: temp.path) == NginxPrefix.binary)
        try AtomicFile.write(Array("#!/bin/sh\n".utf8), to: temp("nginx"), mode: 0o755)
        #expect(NginxSettings.findBinary(searchPath: "relative:" + temp.path) == temp("nginx"))
        try Posix.chmod(temp("nginx"), 0o644)
        #expect(NginxSettings.findBinary(searchPath: temp.path) != temp("nginx"))
    }
}
