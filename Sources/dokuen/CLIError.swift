import DokuenAPI

/// A failure the CLI prints once, as `dokuen: error: MESSAGE`, and the status it exits with: 1, or for an error
/// answer of dokuend the status of its code (the table is in docs/API.md).
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let exitStatus: Int32

    init(message: String, exitStatus: Int32 = 1) {
        self.message = message
        self.exitStatus = exitStatus
    }

    /// dokuend's error answer: its message and its code's exit status. A body that is not an error answer (a proxy,
    /// a crash mid-answer) is named by its HTTP status.
    init(answer body: [UInt8], status: Int) {
        let detail =
            ErrorBody.decode(body, status: status)
            ?? APIErrorDetail(code: APIErrorCode(status: status), message: "dokuend answered \(status)")
        self.init(message: detail.message, exitStatus: Self.exitStatus(for: detail.code))
    }

    var description: String { message }

    /// The exit status for an error code. Most are 1 ("it failed"); three tell a script something it can act on,
    /// with the values of BSD's sysexits(3): try again later, ask for permission, start the daemon.
    static func exitStatus(for code: APIErrorCode) -> Int32 {
        switch code {
        case .invalid, .notFound, .conflict, .rejected, .internal: 1
        case .deployInProgress: 75  // EX_TEMPFAIL
        case .forbidden: 77  // EX_NOPERM
        case .unavailable: 69  // EX_UNAVAILABLE
        }
    }
}
