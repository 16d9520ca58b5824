import DokuenAPI
import DokuenThreads

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The dashboard's way to do anything: dokuend's own Unix-socket API (docs/API.md), as `dokuen` uses it, with
/// `X-Dokuen-Actor: dashboard` so that the event log says "dashboard (via USER)". `UnixHTTPClient` blocks, so every
/// call runs on a thread of its own (`BlockingThread`), never on the cooperative pool.
struct DokuendClient: Sendable {
    let client: UnixHTTPClient

    init(socketPath: String) { client = UnixHTTPClient(socketPath: socketPath) }

    static let headers = ["X-Dokuen-Actor": "dashboard"]

    /// One request; the answer whatever its status.
    func send(_ method: String, _ path: String, body: [UInt8]? = nil) async throws(DashboardError)
        -> UnixHTTPClient.Response
    {
        let client = client
        let result: Result<UnixHTTPClient.Response, APIClientError> = await BlockingThread.run("dashboard-api") {
            do throws(APIClientError) {
                return .success(try client.send(method, path, body: body, headers: Self.headers))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let response): return response
        case .failure(let error): throw .unreachable(error)
        }
    }

    /// A request whose 2xx answer is decoded as `type`; any other answer throws dokuend's error line.
    func call<Answer: Decodable>(
        _ method: String, _ path: String, body: (some Encodable)? = nil as Int?, as type: Answer.Type
    ) async throws(DashboardError) -> Answer {
        let bytes = try await raw(method, path, body: body)
        do { return try JSONDecoder().decode(Answer.self, from: Data(bytes)) } catch {
            throw .badAnswer(path, reason: "\(error)")
        }
    }

    /// A request whose 2xx body is returned as it is; any other answer throws dokuend's error line.
    func raw(_ method: String, _ path: String, body: (some Encodable)? = nil as Int?) async throws(DashboardError)
        -> [UInt8]
    {
        var payload: [UInt8]?
        if let body {
            do { payload = Array(try JSONEncoder().encode(body)) } catch {
                throw .badAnswer(path, reason: "unable to encode the request: \(error)")
            }
        }
        let response = try await send(method, path, body: payload)
        guard (200..<300).contains(response.status) else {
            throw .refused(status: response.status, message: Self.message(response))
        }
        return response.body
    }

    /// dokuend's one-line error message from an error answer.
    static func message(_ response: UnixHTTPClient.Response) -> String {
        if let detail = ErrorBody.decode(response.body, status: response.status) { return detail.message }
        return "dokuend answered \(response.status)"
    }
}
