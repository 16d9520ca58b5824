import DokuenPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small HTTP/1.1 client over a Unix socket, for the CLI: one request per connection (`Connection: close`),
/// bodies by Content-Length or chunked. AsyncHTTPClient would cost 145 s of build for this (SWIFT-NOTES.md §1.6).
public struct UnixHTTPClient: Sendable {
    public let socketPath: String

    public init(socketPath: String) { self.socketPath = socketPath }

    /// A response: status code, headers (names lower-cased) and body.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]
    }

    public func send(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:])
        throws(APIClientError) -> Response
    {
        let fd = try connect()
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: dokuend\r\nConnection: close\r\nAccept: application/json\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        try writeAll(fd, Array(head.utf8) + (body ?? []))
        return try parse(readAll(fd))
    }

    private func connect() throws(APIClientError) -> Int32 {
        do { return try UnixSocket.connect(socketPath) } catch { throw .cannotConnect(socketPath, errno: error.errno) }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(APIClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .connectionFailed(socketPath, errno: errno)
            }
            offset += written
        }
    }

    private func readAll(_ fd: Int32) throws(APIClientError) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .connectionFailed(socketPath, errno: errno)
            }
            if count == 0 { return out }
            out.append(contentsOf: buffer[0..<count])
        }
    }

    func parse(_ raw: [UInt8]) throws(APIClientError) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = raw.firstRange(of: separator) else { throw .badResponse("no end of headers") }
        let head = String(decoding: raw[..<headEnd.lowerBound], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { throw .badResponse("empty response") }
        let statusParts = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw .badResponse("bad status line")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingLeadingSpaces()
        }
        var body = Array(raw[headEnd.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    private func dechunk(_ bytes: [UInt8]) throws(APIClientError) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else { throw .badResponse("bad chunk") }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
                throw .badResponse("bad chunk size")
            }
            index = lineEnd.upperBound
            if size == 0 { return out }
            guard index + size <= bytes.count else { throw .badResponse("truncated chunk") }
            out.append(contentsOf: bytes[index..<(index + size)])
            index += size + 2
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
            "unable to reach dokuend at \(socket): \(String(cString: strerror(code)))"
                + (code == ENOENT || code == ECONNREFUSED ? "; is dokuend running? (start it with scripts/up)" : "")
        case .connectionFailed(let socket, let code):
            "unable to talk to dokuend at \(socket): \(String(cString: strerror(code)))"
        case .badResponse(let reason): "unable to read dokuend's answer: \(reason)"
        }
    }
}

extension Substring {
    fileprivate func trimmingLeadingSpaces() -> String { String(drop { $0 == " " || $0 == "\t" }) }
}
