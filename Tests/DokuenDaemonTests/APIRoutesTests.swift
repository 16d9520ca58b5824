import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenRouting
import DokuenStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import DokuenDaemon

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// dokuend's routes through Hummingbird's router test client: no socket, no shims, no nginx; a temp root and a
/// fresh store per test. Every refusal answers `{"error": {"code", "message"}}` with its code's status.
@Suite(.timeLimit(.minutes(2))) struct APIRoutesTests {
    /// Runs `body` against the API of a new root (`withTestAPI`).
    func withAPI(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withTestAPI("api-routes") { client, _ in try await body(client) }
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// Refusals: method, path, body, then the code, and the start of the message.
    static let refusals: [(HTTPRequest.Method, String, String?, APIErrorCode, String)] = [
        (.get, "/v1/apps/Bad", nil, .invalid, #"invalid app name "Bad": it contains uppercase 'B' at position 1"#),
        (.get, "/v1/apps/nope", nil, .notFound, "unable to find app nope"),
        (
            .post, "/v1/apps", #"{"name":"blog"}"#, .conflict,
            "unable to create app blog: an app of that name already exists"
        ),
        (.post, "/v1/apps", "not json", .invalid, ""),
        (.delete, "/v1/apps/blog", nil, .invalid, "destroying blog needs --confirm blog"),
        (
            .post, "/v1/apps/blog/config", #"{"set":{"DOKUEN_SCALE":"web=x"},"unset":[],"restart":false}"#, .invalid,
            #"invalid DOKUEN_SCALE "web=x": count "x" is not a whole number"#
        ),
        (.post, "/v1/apps/blog/formation", #"{"formation":"web=x"}"#, .invalid, #"invalid formation "web=x""#),
        (.post, "/v1/apps/blog/deploys?commit=xyz", nil, .invalid, "invalid commit"),
        (.post, "/v1/apps/blog/config", #"{"set":{},"unset":[],"restart":false}"#, .invalid, "nothing to change"),
        (
            .post, "/v1/apps/blog/config", #"{"set":{"A.B":"1"},"unset":[],"restart":false}"#, .invalid,
            #"invalid config key "A.B""#
        ),
        (.get, "/v1/apps/blog/logs?lines=x", nil, .invalid, #"invalid line count "x""#),
        (.post, "/v1/control", #"{"targets":["Bad"],"command":"r"}"#, .invalid, #"invalid target "Bad""#),
        // A rolling, awaited restart refuses a target that names nothing before anything restarts or streams.
        (
            .post, "/v1/control?rolling=1&wait=1", #"{"targets":["blog:web"],"command":"r"}"#, .notFound,
            "unable to find a running instance for blog:web"
        ),
        (
            .post, "/v1/control?rolling=1&wait=1", #"{"targets":["Bad"],"command":"r"}"#, .invalid,
            #"invalid target "Bad""#
        ),
        (.get, "/v1/events?app=Bad", nil, .invalid, #"invalid app name "Bad""#),
        (
            .post, "/v1/buildpacks", #"{"name":"Bad/Name","source":"/x"}"#, .invalid,
            #"invalid buildpack name "Bad/Name""#
        ),
        (.delete, "/v1/buildpacks/python", nil, .notFound, "no buildpack called python is installed"),
        (.put, "/v1/apps/blog/buildpack", #"{"buildpack":"Bad!"}"#, .invalid, #"invalid buildpack "Bad!""#),
        (.put, "/v1/apps/blog/buildpack", #"{"buildpack":"nope"}"#, .notFound, "no buildpack is called nope"),
        (.get, "/v1/apps/nope/buildpack", nil, .notFound, "unable to find app nope"),
        (.delete, "/v1/apps/blog/certs", nil, .notFound, "unable to remove the certificate of blog: it has none"),
        (.post, "/v1/apps/blog/domains", #"{"hostname":"a;b.example"}"#, .invalid, #"invalid hostname "a;b.example""#),
        (.get, "/v1/no-such-route", nil, .notFound, ""),
        (
            .get, "/v1/apps/blog/run", nil, .conflict,
            "unable to run a command in blog: it has no release yet; deploy it first"
        ),
        (
            .post, "/v1/apps/blog/run", #"{"command":["true"]}"#, .conflict,
            "unable to run a command in blog: it has no release yet; deploy it first"
        ),
        (
            .post, "/v1/apps/blog/run", #"{"command":[]}"#, .invalid,
            "unable to run a command in blog: the command is empty"
        ),
        (
            .post, "/v1/apps/blog/run", #"{"command":["true"],"timeout":0}"#, .invalid,
            "invalid timeout 0: it is a whole number of seconds from 1 to 86400"
        ),
        (.post, "/v1/apps/nope/run", #"{"command":["true"]}"#, .notFound, "unable to find app nope"),
        (.post, "/v1/apps/Bad/run", #"{"command":["true"]}"#, .invalid, #"invalid app name "Bad""#),
    ]

    @Test func everyRefusalHasItsCodeStatusAndShape() async throws {
        try await withAPI { client in
            try await client.execute(uri: "/v1/apps", method: .post, body: Self.json(#"{"name":"blog"}"#)) {
                #expect($0.status == .created)
            }
            for (method, uri, body, code, message) in Self.refusals {
                try await client.execute(uri: uri, method: method, body: body.map(Self.json)) { response in
                    let bytes = Array(response.body.readableBytesView)
                    #expect(response.status.code == code.status, "\(method) \(uri)")
                    #expect(response.headers[.contentType] == "application/json", "\(method) \(uri)")
                    let answer = try JSONDecoder().decode(ErrorBody.self, from: Data(bytes))
                    #expect(answer.error.code == code, "\(method) \(uri): \(answer.error.message)")
                    #expect(answer.error.message.hasPrefix(message), "\(method) \(uri): \(answer.error.message)")
                    #expect(!answer.error.message.contains("\n"), "one line: \(method) \(uri)")
                    let text = String(decoding: bytes, as: UTF8.self)
                    #expect(text.hasPrefix(#"{"error":{"code":""#) && text.hasSuffix("}}\n"), "\(text)")
                }
            }
        }
    }

    @Test func successesAnswerJSON() async throws {
        try await withAPI { client in
            try await client.execute(uri: "/v1/health", method: .get) { response in
                #expect(response.status == .ok)
                let health = try JSONDecoder().decode(
                    HealthResponse.self, from: Data(Array(response.body.readableBytesView)))
                #expect(health.apps == 0 && health.version == DokuenVersion.current)
            }
            try await client.execute(uri: "/v1/apps", method: .post, body: Self.json(#"{"name":"blog"}"#)) {
                #expect($0.status == .created)
            }
            try await client.execute(uri: "/v1/apps/blog", method: .get) { response in
                let info = try JSONDecoder().decode(AppInfo.self, from: Data(Array(response.body.readableBytesView)))
                #expect(info.name == "blog" && info.release == nil)
            }
            try await client.execute(uri: "/v1/apps/blog?confirm=blog", method: .delete) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/v1/apps/blog", method: .get) { #expect($0.status == .notFound) }
        }
    }

    /// Each module's typed error keeps its words and gets the code its case means.
    @Test func typedErrorsMapToCodes() throws {
        let blog = try AppName("blog")
        let cases: [(any Error, APIErrorCode)] = [
            (StoreError.appNotFound(blog), .notFound),
            (StoreError.deployInProgress(app: blog, id: 3), .deployInProgress),
            (CoreError.invalidAppName("B", reason: "r"), .invalid), (DaemonError.noSuchProcess("blog:web"), .notFound),
            (DaemonError.privateNginx(reason: "r"), .internal),
            (RoutingError.invalidHostname("x", reason: "r"), .invalid),
            (RoutingError.configRejected(file: "f", summary: "s", output: "o"), .rejected),
            (APIError(.forbidden, "forbidden: r"), .forbidden),
        ]
        for (error, code) in cases {
            let answer = APIError(answering: error)
            #expect(answer.code == code, "\(error)")
            #expect(answer.message == "\(error)")
        }
    }
}

/// Runs `body` against the routes of a new root (`label` names its temp directory): a fresh store, a supervisor with
/// no shim, no nginx. The store closes and the root goes afterwards, whatever `body` does.
func withTestAPI(
    _ label: String, _ body: @escaping @Sendable (any TestClientProtocol, RootLayout) async throws -> Void
) async throws {
    let temp = try TemporaryDirectory(label)
    defer { temp.remove() }
    let layout = RootLayout(root: temp("root"))
    for directory in [layout.root] + layout.directories { try Posix.mkdir(directory, existingOK: true) }
    let store = try Store.open(path: layout.database)
    let supervisor = InstanceSupervisor(
        layout: layout, store: store, shimPath: temp("no-shim"), accounts: AppAccounts(layout: layout, isolated: false))
    let application = APIServer.application(
        layout: layout, store: store, supervisor: supervisor, routing: nil, settings: DaemonSettings()
    ) {}
    do {
        try await application.test(.router) { client in try await body(client, layout) }
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}
