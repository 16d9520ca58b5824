import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import Hummingbird
import NIOCore

extension APIServer {
    /// The most lines a backlog may ask for.
    static let maxLogLines = 10_000

    /// `GET /v1/apps/:app/logs?type=T&index=N&lines=N&follow=1` (docs/API.md): the last `lines` lines (default 100)
    /// of the app's instance logs, or of one type's, or of one instance's (`type` and `index`), merged in time
    /// order; with `follow=1`, then every line written after, until the client hangs up. The answer is NDJSON,
    /// streamed (chunked): one `{"dyno":"web.1","line":"…","time":"2026-11-22T05:36:13.123Z"}` per log line, `time`
    /// null for a line without a timestamp.
    static func addLogRoutes(to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store) {
        let watcher = LogFollower.Watcher()
        v1.get("apps/:app/logs") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let query = request.uri.queryParameters
            let type = try query.get("type").map { text in
                do throws(CoreError) { return try ProcessType(text) } catch {
                    throw APIError(.invalid, error.description)
                }
            }
            let index = try query.get("index").map { try instanceNumber($0, name: name, type: type) }
            let count = try query.get("lines").map(lineCount) ?? 100
            let follow = try query.get("follow").map(flag) ?? false
            guard try await store.app(named: name) != nil else { throw StoreError.appNotFound(name) }
            if follow {
                // The directory exists once an instance has run; a follower may come first.
                try Posix.mkdir(layout.app(name).directory, existingOK: true)
                try Posix.mkdir(layout.app(name).logs, existingOK: true)
            }
            return try logStream(
                directory: layout.app(name).logs, type: type, index: index, count: count, follow: follow,
                watcher: watcher, context: context
            ) { follower in
                if let type, let index, !follow, follower.isEmpty {
                    throw APIError(
                        .notFound, "unable to read the log of \(name):\(type).\(index): that instance has never run")
                }
            }
        }
    }

    /// The NDJSON answer of a log route: the last `count` lines of the logs in `directory` (`LogFollower`), then,
    /// with `follow`, every line written after until the client hangs up. `check` sees the follower after the
    /// backlog (to refuse a log that never existed). Also used by `GET /v1/addons/NAME/logs`.
    static func logStream(
        directory: String, type: ProcessType?, index: Int?, count: Int, follow: Bool, watcher: LogFollower.Watcher,
        context: DokuenContext, check: (LogFollower) throws -> Void = { _ in }
    ) throws -> Response {
        var follower = LogFollower(directory: directory, type: type, index: index)
        // Watch before reading the backlog, so that no line written in between is missed.
        var watch: (changes: AsyncStream<Void>, stop: @Sendable () -> Void)?
        if follow { watch = try watcher.watch(directory) }
        let backlog: [LogFollower.Line]
        do {
            backlog = try follower.backlog(count)
            try check(follower)
        } catch {
            follower.close()
            watch?.stop()
            throw error
        }
        // Without follow, the files are read already; with it, a client that hangs up ends the stream, even
        // when nothing is being written.
        if let watch { context.channel.closeFuture.whenComplete { _ in watch.stop() } } else { follower.close() }
        let body = ResponseBody { [follower, watch] writer in
            var follower = follower
            defer {
                follower.close()
                watch?.stop()
            }
            try await writer.write(ndjson(backlog))
            if let watch {
                for await _ in watch.changes {
                    let lines = follower.readNew()
                    if !lines.isEmpty { try await writer.write(ndjson(lines)) }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }

    private static func instanceNumber(_ text: String, name: AppName, type: ProcessType?) throws -> Int {
        guard let type else {
            throw APIError(
                .invalid,
                "invalid index \(Quoting.quoted(text)): an instance number needs a type, as in ?type=web&index=2")
        }
        do throws(CoreError) {
            guard case .slot(_, _, let index) = try Target("\(name):\(type).\(text)") else {
                throw CoreError.invalidTarget("\(name):\(type).\(text)", reason: "expected APP:TYPE.N")
            }
            return index
        } catch { throw APIError(.invalid, error.description) }
    }

    private static func lineCount(_ text: String) throws -> Int {
        guard text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let count = Int(text), count <= maxLogLines else {
            throw APIError(
                .invalid, "invalid line count \(Quoting.quoted(text)): use a number from 0 to \(maxLogLines)")
        }
        return count
    }

    private static func flag(_ text: String) throws -> Bool {
        switch text {
        case "1", "true": return true
        case "0", "false": return false
        default: throw APIError(.invalid, "invalid follow \(Quoting.quoted(text)): use 1 or 0")
        }
    }

    /// One JSON object per line, keys sorted: `{"dyno":"web.1","line":"…","time":"…"}`. Written by hand: a follower
    /// may send many lines, and the three fields are plain strings.
    static func ndjson(_ lines: [LogFollower.Line]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for line in lines {
            buffer.writeString("{\"dyno\":")
            writeJSONString(line.dyno, to: &buffer)
            buffer.writeString(",\"line\":")
            writeJSONString(line.text, to: &buffer)
            buffer.writeString(",\"time\":")
            if let time = line.time { writeJSONString(time, to: &buffer) } else { buffer.writeString("null") }
            buffer.writeString("}\n")
        }
        return buffer
    }

    /// A JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func writeJSONString(_ text: String, to buffer: inout ByteBuffer) {
        let hex = Array("0123456789abcdef".utf8)
        buffer.writeInteger(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.writeString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeString("\\\\")
            case 0x0A: buffer.writeString("\\n")
            case 0x0D: buffer.writeString("\\r")
            case 0x09: buffer.writeString("\\t")
            case 0..<0x20:
                buffer.writeString("\\u00")
                buffer.writeInteger(hex[Int(byte >> 4)])
                buffer.writeInteger(hex[Int(byte & 0xF)])
            default: buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
