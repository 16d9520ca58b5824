import CSQLite
import DokuenCore

/// Placeholder until the store lands.
public actor Store {
    public static func open(path: String) async throws -> Store { Store() }
    public func apps() throws -> [AppName] { [] }
}
