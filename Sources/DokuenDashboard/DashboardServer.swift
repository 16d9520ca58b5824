import DokuenAPI
public import DokuenCore
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The web dashboard (docs/DASHBOARD.md): server-rendered pages over the same operations as `dokuen`, on a TCP
/// listener of its own (`dokuend --dashboard HOST:PORT`). It is a client of dokuend's Unix-socket API: every page
/// reads it and every action calls it, as `dashboard`. Nothing of the API itself is reachable here: the listener
/// answers only its own routes, each behind a session, except the sign-in page, the static files and `/metrics`
/// (its own bearer token).
public enum DashboardServer {
    /// The session cookie's name.
    static let cookie = "dokuen_session"

    /// Builds the listener; dokuend runs it as a service of its group. `onListening` runs once it accepts
    /// connections.
    public static func application(
        address: DashboardAddress, layout: RootLayout, onListening: @escaping @Sendable () async -> Void = {}
    ) -> some ApplicationProtocol {
        let site = Site(api: DokuendClient(socketPath: layout.socket), sessions: SessionStore(), renderer: Renderer())
        let router = Router(context: DashboardContext.self)
        router.add(middleware: SecurityHeaders())
        router.get("static/dashboard.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: StaticAssets.css)))
        }
        router.get("static/dashboard.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: StaticAssets.script)))
        }
        router.get("signin") { request, context in
            if await site.session(request) != nil { return redirect("/") }
            return html(site.renderer.render("signin", [:]))
        }
        router.post("signin") { request, context in try await site.signIn(request, context) }
        router.post("signout") { request, context in
            try await site.action(request, context) { session, _ in
                await site.sessions.close(session.id)
                var response = redirect("/signin")
                response.headers[.setCookie] = "\(cookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
                return response
            }
        }
        router.get("metrics") { request, _ in try await site.metrics(request) }
        site.addPages(to: router)
        site.addActions(to: router)
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: "dokuen-dashboard"),
            onServerRunning: { _ in await onListening() },
            logger: Logger(label: "dokuen-dashboard"))
    }

    /// An HTML page.
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303 See Other: after a form, the browser GETs `location`.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// A JSON answer.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Headers on every answer: no framing, no sniffing, no referrer, no caching of pages that hold a CSRF token, and a
/// Content-Security-Policy that allows only the dashboard's own script and style (no inline script runs, so even an
/// escaping mistake could not run one).
struct SecurityHeaders: RouterMiddleware {
    func handle(
        _ request: Request, context: DashboardContext, next: (Request, DashboardContext) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; "
            + "form-action 'self'; base-uri 'none'"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        // same-origin, not no-referrer: under no-referrer, Chromium sends `Origin: null` with the forms, which the
        // origin check must refuse.
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
