import DokuenAPI
import DokuenCore
import DokuenPosix
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import DokuenDaemon

/// `GET /v1/dashboard/token` and `POST /v1/dashboard/token/rotate` (docs/DASHBOARD.md): the first ask makes a token,
/// the next ones answer it again, a rotation replaces it, the two kinds are separate files of mode 0600 in a 0700
/// directory, and a bad `metrics` is 400.
@Suite(.timeLimit(.minutes(2))) struct DashboardTokenRoutesTests {
    func token(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String) async throws
        -> DashboardToken
    {
        try await client.execute(uri: uri, method: method) { response in
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            return try JSONDecoder().decode(DashboardToken.self, from: Data(String(buffer: response.body).utf8))
        }
    }

    @Test func tokensAreMadeKeptAndRotated() async throws {
        try await withTestAPI("dashboard-tokens") { client, layout in
            let first = try await token(client, .get, "/v1/dashboard/token")
            #expect(first.created && first.kind == "sign-in" && first.path == layout.dashboardToken)
            #expect(first.token.utf8.count == 64 && first.token.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            let again = try await token(client, .get, "/v1/dashboard/token")
            #expect(!again.created && again.token == first.token)
            let metrics = try await token(client, .get, "/v1/dashboard/token?metrics=1")
            #expect(metrics.kind == "metrics" && metrics.token != first.token && metrics.path == layout.metricsToken)
            let rotated = try await token(client, .post, "/v1/dashboard/token/rotate")
            #expect(rotated.created && rotated.token != first.token)
            #expect(try await token(client, .get, "/v1/dashboard/token").token == rotated.token)
            #expect(try await token(client, .get, "/v1/dashboard/token?metrics=1").token == metrics.token)
            #expect(try #require(try Posix.lstat(layout.dashboardToken)).permissions & 0o777 == 0o600)
            #expect(try #require(try Posix.lstat(layout.metricsToken)).permissions & 0o777 == 0o600)
            #expect(try #require(try Posix.lstat(layout.dashboardDirectory)).permissions & 0o777 == 0o700)
            try await client.execute(uri: "/v1/dashboard/token?metrics=yes", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#"invalid metrics \"yes\": it is 0 or 1"#))
            }
        }
    }
}
