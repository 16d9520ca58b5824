import DokuenAPI
import DokuenCore
import DokuenPosix
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

/// An app's formation before its first release (docs/DESIGN.md §2, Formation): `ps scale`, `ps set` and
/// `DOKUEN_SCALE` are kept for the first deploy, through the routes, with no shim.
@Suite(.timeLimit(.minutes(2))) struct FormationRoutesTests {
    /// The API of a new root with the app `blog` created.
    func withAPI(_ body: @escaping @Sendable (any TestClientProtocol, RootLayout) async throws -> Void) async throws {
        try await withTestAPI("formation-routes") { client, layout in
            try await client.execute(
                uri: "/v1/apps", method: .post, body: ByteBuffer(string: #"{"name":"blog"}"#)
            ) { #expect($0.status == .created) }
            try await body(client, layout)
        }
    }

    static func formation(_ client: any TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/v1/apps/blog/formation", method: .get) { response in
            let entries = try JSONDecoder().decode(
                [FormationEntry].self, from: Data(Array(response.body.readableBytesView)))
            return entries.map { "\($0.type)=\($0.count)" }.joined(separator: " ")
        }
    }

    static func post(_ client: any TestClientProtocol, _ uri: String, _ body: String) async throws -> (Int, String) {
        try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body)) { response in
            (response.status.code, String(decoding: Array(response.body.readableBytesView), as: UTF8.self))
        }
    }

    @Test func psScaleBeforeTheFirstReleaseIsKeptForAnyValidType() async throws {
        try await withAPI { client, _ in
            let (status, _) = try await Self.post(client, "/v1/apps/blog/formation", #"{"formation":"web=2 clock=1"}"#)
            #expect(status == 200)
            #expect(try await Self.formation(client) == "clock=1 web=2")
            let (bad, text) = try await Self.post(client, "/v1/apps/blog/formation", #"{"formation":"web=x"}"#)
            #expect(bad == 400 && text.contains("invalid formation"), "\(bad) \(text)")
            let (missing, _) = try await Self.post(client, "/v1/apps/nope/formation", #"{"formation":"web=1"}"#)
            #expect(missing == 404)
        }
    }

    @Test func psSetBeforeTheFirstReleaseIsStored() async throws {
        try await withAPI { client, _ in
            let (status, text) = try await Self.post(
                client, "/v1/apps/blog/settings", #"{"type":"once","set":{"restart":"never"},"unset":[]}"#)
            #expect(status == 200, "\(text)")
            let result = try JSONDecoder().decode(ProcessSettingsChangeResult.self, from: Data(text.utf8))
            #expect(result.settings.setKeys == ["restart"] && result.release == nil)
        }
    }

    @Test func dokuenScaleScalesWhenSetAndARefusalLeavesTheConfigAlone() async throws {
        try await withAPI { client, layout in
            let (status, text) = try await Self.post(
                client, "/v1/apps/blog/config", #"{"set":{"DOKUEN_SCALE":"web=1, worker=2"},"unset":[],"restart":true}"#
            )
            #expect(status == 200, "\(text)")
            #expect(try await Self.formation(client) == "web=1 worker=2")
            // The latest wins: ps scale after it, then DOKUEN_SCALE again.
            _ = try await Self.post(client, "/v1/apps/blog/formation", #"{"formation":"worker=3"}"#)
            #expect(try await Self.formation(client) == "web=1 worker=3")
            _ = try await Self.post(
                client, "/v1/apps/blog/config", #"{"set":{"DOKUEN_SCALE":"worker=0"},"unset":[],"restart":true}"#)
            #expect(try await Self.formation(client) == "web=1 worker=0")
            for (value, message) in [
                ("web=1 web=2", #"invalid DOKUEN_SCALE "web=1 web=2": "web=2": process type 'web' is given twice"#),
                ("", #"invalid DOKUEN_SCALE "": nothing to scale; write type=count, e.g. web=2"#),
                ("web", #"invalid DOKUEN_SCALE "web": expected type=count, e.g. web=2"#),
                (
                    "web=1 a.b=2",
                    #"invalid DOKUEN_SCALE "web=1 a.b=2": "a.b=2": process type "a.b" is invalid: "#
                ),
            ] {
                let body = #"{"set":{"DOKUEN_SCALE":"\#(value)","OTHER":"x"},"unset":[],"restart":true}"#
                let (refused, answer) = try await Self.post(client, "/v1/apps/blog/config", body)
                let error = try JSONDecoder().decode(ErrorBody.self, from: Data(answer.utf8)).error
                #expect(refused == 400 && error.code == .invalid && error.message.hasPrefix(message), "\(answer)")
            }
            let env = try EnvDirectory(path: layout.app(try AppName("blog")).env).dictionary()
            #expect(env.map(\.key.rawValue).sorted() == ["DOKUEN_SCALE"] && env.values.first == "worker=0")
            #expect(try await Self.formation(client) == "web=1 worker=0")
        }
    }
}
