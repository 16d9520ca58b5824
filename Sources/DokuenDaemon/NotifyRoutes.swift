import DokuenAPI
import DokuenCore
import Hummingbird

/// `dokuen notify` (docs/ALERTS.md): alert channels added, listed with their failing state, removed, and tested.
/// A target is checked before anything is stored (`NotifyTarget`); a test waits for each channel's send (at most
/// the transport's time limit) and answers per channel.
extension APIServer {
    static func addNotifyRoutes(to v1: RouterGroup<DokuenContext>, notifier: Notifier) {
        v1.get("notify") { _, _ in try json(try await notifier.list()) }
        v1.post("notify") { request, context in
            let body = try await request.decode(as: NotifyChannelRequest.self, context: context)
            let channel = try await notifier.add(
                kind: body.kind, target: body.target, actor: await actor(request, context))
            return try json(channel, status: .created)
        }
        v1.delete("notify/:id") { request, context in
            let id = try channelID(context.parameters.get("id") ?? "")
            return try json(try await notifier.remove(id: id, actor: await actor(request, context)))
        }
        v1.post("notify/test") { _, _ in try json(try await notifier.test(id: nil)) }
        v1.post("notify/:id/test") { _, context in
            try json(try await notifier.test(id: try channelID(context.parameters.get("id") ?? "")))
        }
    }

    /// A channel's id: a whole number from 1.
    static func channelID(_ text: String) throws -> Int64 {
        guard text.utf8.count <= 18, let id = Int64(text), id >= 1, text.allSatisfy(\.isNumber) else {
            throw APIError(.invalid, "invalid channel id \(Quoting.quoted(text)): it takes a number from 1")
        }
        return id
    }
}
