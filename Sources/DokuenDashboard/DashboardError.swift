public import DokuenAPI

/// Why the dashboard could not start or do what a page asked. Messages are one line, in the project's grammar
/// (`invalid --dashboard "x": …`, or dokuend's own error line for a refused API call).
public enum DashboardError: Error, Equatable, CustomStringConvertible {
    /// `--dashboard` is not `HOST:PORT` with an IP address (or `localhost`) and a port from 1 to 65535.
    case invalidAddress(String, reason: String)
    /// The listener could not be opened (the port is taken, the address is not this machine's).
    case cannotListen(String, reason: String)
    /// dokuend answered an API call with an error: its status and its one-line message.
    case refused(status: Int, message: String)
    /// The API could not be reached or read.
    case unreachable(APIClientError)
    /// dokuend's answer was not the JSON the dashboard expects.
    case badAnswer(String, reason: String)

    public var description: String {
        switch self {
        case .invalidAddress(let text, let reason): "invalid --dashboard \(quoted(text)): \(reason)"
        case .cannotListen(let address, let reason): "unable to serve the dashboard on \(address): \(reason)"
        case .refused(_, let message): message
        case .unreachable(let error): error.description
        case .badAnswer(let path, let reason): "unable to read dokuend's answer to \(path): \(reason)"
        }
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" ? String($0) : "?" }.joined()
            + "\""
    }
}
