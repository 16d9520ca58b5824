import DokuenAPI
import HTTPTypes
import Hummingbird
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What every route of the dashboard shares: the API client, the sessions and the templates; and the checks that
/// come before a page or an action (a session, then for a POST the origin and the CSRF token).
struct Site: Sendable {
    let api: DokuendClient
    let sessions: SessionStore
    let renderer: Renderer

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// The request's live session, nil when it has none (no cookie, an unknown or expired id, or the sign-in token
    /// was rotated since it began).
    func session(_ request: Request) async -> SessionStore.Session? {
        guard let id = Self.cookie(DashboardServer.cookie, in: request.headers[.cookie] ?? "") else { return nil }
        // The token of now, from dokuend: a rotation ends every session at its next request.
        guard let token = try? await api.call("GET", "/v1/dashboard/token", as: DashboardToken.self) else {
            return nil
        }
        return await sessions.find(id, currentToken: token.token, now: Self.now())
    }

    /// The value of cookie `name` in a `Cookie` header.
    static func cookie(_ name: String, in header: String) -> String? {
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingSpaces() == name { return String(parts[1].trimmingSpaces()) }
        }
        return nil
    }

    /// `https` when the platform's nginx (a loopback peer) says that it took the request over TLS.
    static func scheme(_ request: Request, _ context: DashboardContext) -> String {
        context.fromLoopback && request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
            ? "https" : "http"
    }

    static func requestGuard(_ request: Request, _ context: DashboardContext) -> RequestGuard {
        RequestGuard(
            origin: request.headers[HTTPField.Name("Origin")!],
            fetchSite: request.headers[HTTPField.Name("Sec-Fetch-Site")!], host: request.head.authority,
            scheme: scheme(request, context))
    }

    /// A form's fields (`application/x-www-form-urlencoded`, at most 64 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        return FormBody.parse(String(buffer: buffer))
    }

    /// Whether the client asked for JSON (the page's script) rather than a page (a form sent without script).
    static func wantsJSON(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("application/json") == true
    }

    /// The sign-in form's POST: the token is compared with dokuend's in constant time; a match opens a session and
    /// sets its cookie (HttpOnly, SameSite=Strict, Path=/, Secure over TLS).
    func signIn(_ request: Request, _ context: DashboardContext) async throws -> Response {
        let guardian = Self.requestGuard(request, context)
        if let refusal = guardian.crossSiteRefusal() { return refuse(request, .forbidden, refusal) }
        let fields = try await Self.form(request)
        let current: DashboardToken
        do { current = try await api.call("GET", "/v1/dashboard/token", as: DashboardToken.self) } catch {
            return refuse(request, .serviceUnavailable, "unable to check the token: \(error)")
        }
        guard let sent = fields["token"], ConstantTime.equal(sent.trimmingSpaces(), current.token) else {
            return DashboardServer.html(
                renderer.render("signin", ["refusal": "That is not the dashboard's token (dokuen dashboard token)."]),
                status: .unauthorized)
        }
        let session = await sessions.open(token: current.token, now: Self.now())
        var response = DashboardServer.redirect("/")
        response.headers[.setCookie] =
            "\(DashboardServer.cookie)=\(session.id); Path=/; HttpOnly; SameSite=Strict"
            + (guardian.scheme == "https" ? "; Secure" : "")
        return response
    }

    /// A page: with a session, `body` renders it; without, the browser goes to the sign-in page.
    func page(
        _ request: Request, _ body: (SessionStore.Session) async throws -> Response
    ) async throws -> Response {
        guard let session = await session(request) else { return DashboardServer.redirect("/signin") }
        do { return try await body(session) } catch let error as DashboardError {
            return refuse(request, Self.status(error), error.description, heading: "Not shown")
        }
    }

    /// dokuend's status for a refusal it made (404 for an unknown app), else 502: dokuend failed the dashboard.
    static func status(_ error: DashboardError) -> HTTPResponse.Status {
        if case .refused(let status, _) = error { return .init(code: status) }
        return .badGateway
    }

    /// A JSON read of the page's script: with a session only (401 without).
    func data(_ request: Request, _ body: (SessionStore.Session) async throws -> Response) async throws -> Response {
        guard let session = await session(request) else {
            return DashboardServer.json(["message": "sign in first"], status: .unauthorized)
        }
        do { return try await body(session) } catch let error as DashboardError {
            return DashboardServer.json(["message": error.description], status: Self.status(error))
        }
    }

    /// A state-changing request: a session (401 without), then the origin and the CSRF token (403), then `body`
    /// with the form's fields.
    func action(
        _ request: Request, _ context: DashboardContext,
        _ body: (SessionStore.Session, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let session = await session(request) else {
            return refuse(request, .unauthorized, "refused: sign in first")
        }
        let guardian = Self.requestGuard(request, context)
        if let refusal = guardian.crossSiteRefusal() { return refuse(request, .forbidden, refusal) }
        let fields = try await Self.form(request)
        let sent = request.headers[HTTPField.Name("X-CSRF-Token")!] ?? fields["csrf"]
        if let refusal = guardian.refusal(csrfSent: sent, expected: session.csrf) {
            return refuse(request, .forbidden, refusal)
        }
        return try await body(session, fields)
    }

    /// A refusal: JSON for the script, a short page otherwise.
    func refuse(
        _ request: Request, _ status: HTTPResponse.Status, _ message: String, heading: String = "Refused"
    ) -> Response {
        if Self.wantsJSON(request) { return DashboardServer.json(ActionAnswer(message: message), status: status) }
        return DashboardServer.html(
            renderer.render("message", ["heading": heading, "kind": "refusal", "text": message, "back": "/"]),
            status: status)
    }

    /// `/metrics`: only with `Authorization: Bearer <metrics token>`; the body is dokuend's `GET /v1/metrics`, relayed
    /// with its status.
    func metrics(_ request: Request) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let sent = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)).trimmingSpaces() : ""
        let expected: DashboardToken
        do { expected = try await api.call("GET", "/v1/dashboard/token?metrics=1", as: DashboardToken.self) } catch {
            return Response(status: .serviceUnavailable)
        }
        guard ConstantTime.equal(sent, expected.token) else {
            return Response(
                status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"dokuen metrics\""],
                body: .init(
                    byteBuffer: ByteBuffer(string: "a bearer token is needed: dokuen dashboard token --metrics\n")))
        }
        let answer = try await api.send("GET", "/v1/metrics")
        var headers: HTTPFields = [:]
        headers[.contentType] = answer.headers["content-type"] ?? "text/plain; version=0.0.4"
        return Response(
            status: .init(code: answer.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

/// The answer to an action sent by the page's script: a line to show, and whether the page should reload (what the
/// action changed is not in the instance table: releases, formation, maintenance).
struct ActionAnswer: Codable, Equatable, Sendable {
    var message: String
    var reload: Bool = false
}

/// `application/x-www-form-urlencoded` (the WHATWG URL standard): `&`-separated `name=value`, `+` for a space,
/// `%XX` bytes as UTF-8. The first of a repeated name wins.
enum FormBody {
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(32)
            } else if byte == UInt8(ascii: "%"), utf8.distance(from: index, to: utf8.endIndex) >= 3,
                let value = UInt8(
                    String(decoding: utf8[utf8.index(after: index)..<utf8.index(index, offsetBy: 3)], as: UTF8.self),
                    radix: 16)
            {
                bytes.append(value)
                index = utf8.index(index, offsetBy: 3)
                continue
            } else {
                bytes.append(byte)
            }
            index = utf8.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
