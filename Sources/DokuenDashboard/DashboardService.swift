public import DokuenCore
import Hummingbird
public import ServiceLifecycle

/// The dashboard as one service of dokuend's group: its listener, whose failure to listen (a port taken) stops
/// dokuend with a line that names the dashboard and its address, not the API.
public struct DashboardService: Service {
    let address: DashboardAddress
    let run: @Sendable () async throws -> Void

    /// `onListening` runs once the listener accepts connections.
    public init(address: DashboardAddress, layout: RootLayout, onListening: @escaping @Sendable () async -> Void) {
        self.address = address
        let application = DashboardServer.application(address: address, layout: layout, onListening: onListening)
        run = { try await application.run() }
    }

    public func run() async throws {
        do { try await run() } catch is CancellationError { throw CancellationError() } catch {
            throw DashboardError.cannotListen(address.description, reason: "\(error)")
        }
    }
}
