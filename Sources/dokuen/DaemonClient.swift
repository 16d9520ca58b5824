import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The CLI's side of the API: finds the socket, sends one request, decodes the answer or turns an error body into
/// one line.
struct DaemonClient {
    let client: UnixHTTPClient

    init(_ options: GlobalOptions) throws {
        var environment: [String: String] = [:]
        for key in ["HOME", "DOKUEN_ROOT"] { if let value = Posix.getenv(key) { environment[key] = value } }
        let root: String
        do {
            root = try RootDiscovery.clientRoot(flag: options.root, environment: environment) { path in
                Posix.exists(path)
            }
        } catch {
            throw ValidationError(error.description)
        }
        client = UnixHTTPClient(socketPath: RootLayout(root: root).socket)
    }

    /// Sends a request and decodes a `Response` from a 2xx answer; any other answer throws its error line. A list of
    /// instance statuses, the one large body (`status`, `ps scale`'s waiting, the control verbs), is read by
    /// `InstanceStatusJSON.decode`, JSONDecoder only when that declines.
    func call<Response: Decodable>(
        _ method: String, _ path: String, body: (some Encodable)? = nil as Int?, as type: Response.Type
    ) throws -> Response {
        let bytes = try request(method, path, body: body)
        if Response.self == [InstanceStatus].self, let statuses = InstanceStatusJSON.decode(bytes) as? Response {
            return statuses
        }
        return try JSONDecoder().decode(Response.self, from: Data(bytes))
    }

    /// Sends a request; returns the raw 2xx body.
    @discardableResult
    func request(_ method: String, _ path: String, body: (some Encodable)? = nil as Int?) throws -> [UInt8] {
        let payload = try body.map { Array(try JSONEncoder().encode($0)) }
        let response = try client.send(method, path, body: payload, headers: Self.actorHeaders)
        guard (200..<300).contains(response.status) else {
            throw CLIError(answer: response.body, status: response.status)
        }
        return response.body
    }

    /// Sends a request whose 2xx answer streams (`logs -f`, a deploy's output): `onData` gets its bytes in order, as
    /// they arrive, until dokuend ends the answer. Any other answer throws its error line.
    func stream(
        _ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:],
        onData: ([UInt8]) throws -> Void
    ) throws {
        let response = try client.stream(
            method, path, body: body, headers: Self.actorHeaders.merging(headers) { $1 }, onData: onData)
        guard (200..<300).contains(response.status) else {
            throw CLIError(answer: response.body, status: response.status)
        }
    }

    /// dokuend learns the unix user from the socket itself; a client over ssh adds whom it acts for: the gitolite
    /// user (GL_USER, set by gitolite), else the authorized_keys key name (DOKUEN_ACTOR, set by `dokuen git-shell`).
    /// Read once per process, with getenv(3): a copy of the whole environment for every request cost `status` 2 % of
    /// its time (docs/BENCHMARKS.md).
    static let actorHeaders: [String: String] = {
        for key in ["GL_USER", "DOKUEN_ACTOR"] {
            if let user = Posix.getenv(key), !user.isEmpty { return ["X-Dokuen-Actor": user] }
        }
        return [:]
    }()
}

/// Prints `value` as JSON, sorted keys, one trailing newline.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// `value` as compact JSON, as the API's NDJSON lines are.
func encodeJSON(_ value: some Encodable) throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }

/// Decodes a JSON body.
func decodeJSON<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(bytes))
}

/// `text` for a URL query value: unreserved characters as they are, every other byte as %XX.
func percentEncoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"), UInt8(ascii: "/"):
            out.unicodeScalars.append(UnicodeScalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }
    }
    return out
}
