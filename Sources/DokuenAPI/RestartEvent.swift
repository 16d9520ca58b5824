/// One line of the NDJSON answer of `POST /v1/control?wait=1` with command `r` (`dokuen restart`): `{"line": …}`
/// per step as it happens, then one `{"restarted": [status…]}` (the instances that serve now, once every one is
/// ready) or `{"error": "<one line>"}` (one did not become ready; a rolling restart leaves the old ones serving).
public struct RestartEvent: Codable, Equatable, Sendable {
    public var line: String?
    public var restarted: [InstanceStatus]?
    public var error: String?

    public init(line: String? = nil, restarted: [InstanceStatus]? = nil, error: String? = nil) {
        self.line = line
        self.restarted = restarted
        self.error = error
    }
}
