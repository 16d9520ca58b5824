import DokuenPosix

/// A small HTTP/1.1 client over a Unix socket, for the CLI: one request per connection (`Connection: close`),
/// bodies by Content-Length, chunked, or up to the end of the connection. AsyncHTTPClient would cost 145 s of build
/// for this (docs/STACK-NOTES.md §1.6).
public struct UnixHTTPClient: Sendable {
    public let socketPath: String

    public init(socketPath: String) { self.socketPath = socketPath }

    /// A response: status code, headers (names lower-cased) and body.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]
    }

    /// Sends a request and reads the whole answer. A body is sent as JSON unless `headers` name another
    /// Content-Type.
    public func send(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:])
        throws(APIClientError) -> Response
    {
        var collected: [UInt8] = []
        do {
            let head = try exchange(method, path, body: body, headers: headers) { _, bytes in collected += bytes }
            return Response(status: head.status, headers: head.headers, body: collected)
        } catch let error as APIClientError {
            throw error
        } catch {
            throw .badResponse("\(error)")  // the collector throws nothing; exchange throws only APIClientError
        }
    }

    /// Sends a request and hands a 2xx answer's body to `onData` in order, as it arrives (chunked transfer encoding
    /// undone), until the server ends it: for answers that stream, such as `logs -f` or a deploy's output. The
    /// returned response has the status and headers, and an empty body. Any other status is not streamed: its
    /// whole body (the `{"error": …}` line) is in the returned response. Errors thrown by `onData` end the request
    /// and are rethrown as they are; the others are `APIClientError`s.
    /// `watch`, when given, learns the connection's fd once connected and before it is closed: so that another thread
    /// may end a stream that waits for data (`UnixSocket.shutdown`), as the dashboard does when its browser left.
    public func stream(
        _ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:],
        watch: (any ConnectionWatch)? = nil, onData: ([UInt8]) throws -> Void
    ) throws -> Response {
        var collected: [UInt8] = []
        let head = try exchange(method, path, body: body, headers: headers, watch: watch) { status, bytes in
            if (200..<300).contains(status) { try onData(bytes) } else { collected += bytes }
        }
        return Response(status: head.status, headers: head.headers, body: collected)
    }

    /// One request on a new connection: writes it, then decodes the answer as it is read. `onData` gets the status
    /// and the body in pieces, in order. The returned response has no body.
    private func exchange(
        _ method: String, _ path: String, body: [UInt8]?, headers: [String: String],
        watch: (any ConnectionWatch)? = nil, onData: (Int, [UInt8]) throws -> Void
    ) throws -> Response {
        let fd = try connect()
        watch?.opened(fd)
        defer {
            watch?.closing(fd)
            Posix.close(fd)
        }
        var fields = ["Host": "dokuend", "Connection": "close", "Accept": "application/json"]
        if let body {
            fields["Content-Type"] = "application/json"
            fields["Content-Length"] = String(body.count)
        }
        // The caller's headers win, whatever their case.
        for (name, value) in headers {
            for key in fields.keys where key.lowercased() == name.lowercased() { fields[key] = nil }
            fields[name] = value
        }
        var head = "\(method) \(path) HTTP/1.1\r\n"
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try writeAll(fd, Array(head.utf8) + (body ?? []))

        var decoder = ResponseDecoder(headRequest: method == "HEAD")
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count: Int
            do { count = try Posix.read(fd, into: &buffer) } catch {
                throw APIClientError.connectionFailed(socketPath, errno: error.errno)
            }
            for piece in try decoder.feed(buffer[0..<count], ended: count == 0) {
                try onData(decoder.status ?? 0, piece)
            }
            if decoder.isComplete {
                return Response(status: decoder.status ?? 0, headers: decoder.headers, body: [])
            }
        }
    }

    private func connect() throws(APIClientError) -> Int32 {
        do { return try UnixSocket.connect(socketPath) } catch { throw .cannotConnect(socketPath, errno: error.errno) }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(APIClientError) {
        do { try UnixSocket.sendAll(fd, bytes) } catch { throw .connectionFailed(socketPath, errno: error.errno) }
    }
}

/// Told of a streaming request's connection (`UnixHTTPClient.stream`): `opened` once it is connected, `closing` just
/// before it is closed, so that a shutdown from another thread never reaches an fd number that was reused since.
public protocol ConnectionWatch: Sendable {
    func opened(_ fd: Int32)
    func closing(_ fd: Int32)
}

/// Reads one HTTP/1.1 response as its bytes arrive, in any pieces: the head, then the body by Content-Length, by
/// chunked transfer encoding (RFC 9112 §7.1) or up to the end of the connection, handed on as soon as it is read.
struct ResponseDecoder {
    private enum State {
        case head
        case sized(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
        case done
    }

    /// A head longer than this is not an answer from dokuend.
    static let maxHead = 64 * 1024

    private var state = State.head
    private var buffer: [UInt8] = []
    private let headRequest: Bool
    private(set) var status: Int?
    private(set) var headers: [String: String] = [:]

    init(headRequest: Bool = false) { self.headRequest = headRequest }

    var isComplete: Bool { if case .done = state { true } else { false } }

    /// Takes the next bytes read (`ended`: the connection was closed after them); returns the body bytes they hold.
    mutating func feed(_ bytes: ArraySlice<UInt8>, ended: Bool) throws(APIClientError) -> [[UInt8]] {
        buffer += bytes
        var body: [[UInt8]] = []
        var position = 0
        decoding: while true {
            let available = buffer.count - position
            switch state {
            case .head:
                guard let end = buffer[position...].firstRange(of: [13, 10, 13, 10]) else {
                    if available > Self.maxHead { throw .badResponse("a head longer than \(Self.maxHead) bytes") }
                    break decoding
                }
                try readHead(buffer[position..<end.lowerBound])
                position = end.upperBound
            case .sized(let remaining):
                let count = min(remaining, available)
                if count > 0 { body.append(Array(buffer[position..<(position + count)])) }
                position += count
                state = remaining == count ? .done : .sized(remaining: remaining - count)
                if count == 0 { break decoding }
            case .chunkSize:
                guard let end = buffer[position...].firstRange(of: [13, 10]) else { break decoding }
                let text = String(decoding: buffer[position..<end.lowerBound], as: UTF8.self)
                guard let size = Int(text.split(separator: ";").first ?? "", radix: 16), size >= 0 else {
                    throw .badResponse("bad chunk size")
                }
                position = end.upperBound
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let count = min(remaining, available)
                if count > 0 { body.append(Array(buffer[position..<(position + count)])) }
                position += count
                state = remaining == count ? .chunkEnd : .chunkData(remaining: remaining - count)
                if count == 0 { break decoding }
            case .chunkEnd:
                guard available >= 2 else { break decoding }
                guard buffer[position] == 13, buffer[position + 1] == 10 else { throw .badResponse("bad chunk end") }
                position += 2
                state = .chunkSize
            case .trailers:
                guard let end = buffer[position...].firstRange(of: [13, 10]) else { break decoding }
                state = end.lowerBound == position ? .done : .trailers
                position = end.upperBound
            case .untilClose:
                if available > 0 { body.append(Array(buffer[position...])) }
                position = buffer.count
                if ended { state = .done }
                break decoding
            case .done:
                break decoding
            }
        }
        buffer.removeSubrange(..<position)
        if ended, !isComplete {
            throw .badResponse(
                status == nil ? "no end of headers" : "the connection closed before the end of the answer")
        }
        return body
    }

    private mutating func readHead(_ bytes: ArraySlice<UInt8>) throws(APIClientError) {
        var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { throw .badResponse("empty response") }
        let statusParts = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let code = Int(statusParts[1]) else {
            throw .badResponse("bad status line")
        }
        // An interim answer (100 Continue) is followed by the real one.
        if (100..<200).contains(code) { return }
        status = code
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingLeadingSpaces()
        }
        if headRequest || code == 204 || code == 304 {
            state = .done
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            state = .chunkSize
        } else if let text = headers["content-length"] {
            guard let length = Int(text), length >= 0 else { throw .badResponse("bad Content-Length") }
            state = length == 0 ? .done : .sized(remaining: length)
        } else {
            state = .untilClose
        }
    }
}

/// Why a request to dokuend failed before an HTTP answer came back.
public enum APIClientError: Error, Equatable, CustomStringConvertible {
    case cannotConnect(String, errno: Int32)
    case connectionFailed(String, errno: Int32)
    case badResponse(String)

    public var description: String {
        switch self {
        case .cannotConnect(let socket, let code):
            "unable to reach dokuend at \(socket): \(Errno(rawValue: code))"
                + ([.noEntry, .connectionRefused].contains(Errno(rawValue: code))
                    ? "; is dokuend running? (start it with scripts/up)" : "")
        case .connectionFailed(let socket, let code):
            "unable to talk to dokuend at \(socket): \(Errno(rawValue: code))"
        case .badResponse(let reason): "unable to read dokuend's answer: \(reason)"
        }
    }
}

extension Substring {
    fileprivate func trimmingLeadingSpaces() -> String { String(drop { $0 == " " || $0 == "\t" }) }
}
