import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// Serves an `APIServer` application as one service of dokuend's group. Hummingbird's own `Application.run` does
/// the same plus a service that refreshes the `Date` header every second: a wake-up per second for a daemon that
/// should cost nothing while idle. Here the header is formatted when a response needs it, at most once per second.
///
/// `startup` runs first, while the group's other services already run: what must happen before the API answers
/// (finishing the deploys a restart cut short, the first reconcile pass) may wait for the events and shim deaths
/// that those services deliver.
public struct APIService<App: ApplicationProtocol>: Service {
    let app: App
    let startup: @Sendable () async throws -> Void

    public init(_ app: App, startup: @escaping @Sendable () async throws -> Void = {}) {
        self.app = app
        self.startup = startup
    }

    public func run() async throws {
        try await startup()
        let app = app
        let responder = try await app.responder
        let date = HTTPDate()
        let settings = app.configuration
        let configuration = ServerConfiguration(
            address: settings.address, serverName: settings.serverName, backlog: settings.backlog,
            reuseAddress: settings.reuseAddress, availableConnectionsDelegate: settings.availableConnectionsDelegate)
        let server = try app.server.buildServer(
            configuration: configuration, eventLoopGroup: app.eventLoopGroup, logger: app.logger
        ) { (request, writer: consuming ResponseWriter, channel) in
            let context = App.Responder.Context(source: .init(channel: channel, logger: app.logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch {
                // The router's error middleware answers every error it knows; what gets here is a bug.
                response = Response(status: .internalServerError, body: .init())
            }
            response.headers[.date] = date.now()
            if let name = app.configuration.serverName { response.headers[.server] = name }
            try await writer.write(response: response.head, body: response.body)
        } onServerRunning: { channel in
            await app.onServerRunning(channel)
        }
        try await server.run()
    }
}
