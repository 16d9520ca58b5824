import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenRouting
import DokuenStore
import Hummingbird

/// An error answer: a stable code (which fixes the HTTP status and the CLI's exit status, docs/API.md) and one line
/// in the project's grammar. Handlers throw it for what only the API knows; every other error a handler throws is
/// turned into one by `init(answering:)`, so that each module's typed error keeps its own wording.
struct APIError: Error, Equatable, CustomStringConvertible {
    let code: APIErrorCode
    let message: String

    init(_ code: APIErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { message }

    /// The answer for any error: its code from its type and case, its message from its description.
    init(answering error: any Error) {
        switch error {
        case let failure as APIError: self = failure
        case let error as StoreError: self.init(Self.code(for: error), error.description)
        case let error as DaemonError: self.init(Self.code(for: error), error.description)
        case let error as CoreError: self.init(.invalid, error.description)
        case let error as RoutingError: self.init(Self.code(for: error), error.description)
        case let error as BuildError: self.init(Self.code(for: error), error.description)
        case let error as HTTPError:
            self.init(APIErrorCode(status: error.status.code), error.body ?? "\(error.status)")
        default: self.init(.internal, "\(error)")
        }
    }

    static func code(for error: StoreError) -> APIErrorCode {
        switch error {
        case .appNotFound, .releaseNotFound, .buildNotFound, .formationNotFound, .domainNotFound, .deployNotFound,
            .addonNotFound, .addonLinkNotFound, .proxyNotFound:
            .notFound
        case .deployInProgress: .deployInProgress
        case .appExists, .domainExists, .buildInUse, .buildExists, .addonExists, .addonLinkExists, .proxyExists:
            .conflict
        case .core, .invalidHostname, .invalidPortRange: .invalid
        default: .internal
        }
    }

    static func code(for error: DaemonError) -> APIErrorCode {
        if case .noSuchProcess = error { return .notFound }
        if case .runFailed = error { return .conflict }
        // No such release, or none to go back to: what the app holds refuses it, dokuend did not fail.
        if case .rollbackRefused = error { return .conflict }
        return .internal
    }

    static func code(for error: BuildError) -> APIErrorCode {
        switch error {
        case .invalidName, .invalidSource, .unknownRef, .git, .missingProgram: .invalid
        case .alreadyInstalled: .conflict
        case .notInstalledName: .notFound
        default: .internal
        }
    }

    static func code(for error: RoutingError) -> APIErrorCode {
        switch error {
        case .invalidHostname, .invalidPath, .invalidPort, .invalidBodySize, .invalidCertificate, .invalidKey,
            .invalidCIDR, .invalidUser, .invalidPasswordHash, .invalidUpstream:
            .invalid
        case .configRejected: .rejected
        case .reloadFailed, .timedOut, .system: .internal
        }
    }
}
