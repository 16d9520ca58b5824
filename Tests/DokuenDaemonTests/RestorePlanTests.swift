import Testing

@testable import DokuenDaemon

/// The pure parts of a restore (docs/BACKUP.md): the password an add-on URL carries (a PostgreSQL role is made again
/// with it), and the manifest's SQLite paths, which must stay inside the app's data/.
@Suite struct RestorePlanTests {
    @Test(arguments: [
        ("postgres://blog:0123abcd@127.0.0.1:5001/blog", "0123abcd"),
        ("redis://default:s3cr3t@127.0.0.1:6001/0", "s3cr3t"),
        ("postgres://blog@127.0.0.1:5001/blog", ""),
        ("postgres://127.0.0.1:5001/blog", ""),
        ("not a url", ""),
        ("postgres://a:b@host/path@x", "b"),
    ])
    func thePasswordOfAURL(url: String, password: String) {
        #expect(RestorePlan.password(inURL: url) == password)
    }

    @Test(
        arguments: [
            ("app.sqlite", "app.sqlite"), ("db/app.sqlite", "db/app.sqlite"), ("/etc/passwd", nil), ("../x", nil),
            ("a/../../x", nil), ("./a", nil), ("a//b", nil), ("", nil),
        ] as [(String, String?)])
    func onlyRelativePathsInsideData(path: String, safe: String?) {
        #expect(RestoreFiles.safeRelative(path) == safe)
    }
}
