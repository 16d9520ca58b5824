import DokuenAPI
import DokuenCore
import DokuenRouting

/// An alert channel's kind and target, checked at the API's boundary before anything is stored or reaches curl or
/// sendmail (docs/ALERTS.md): webhook and ntfy take an http or https URL with a host (`UpstreamURL`'s rules, a
/// query allowed), email a plain local@domain address (`AcmeEmail`'s rules). The refusal is one line.
enum NotifyTarget {
    static let kinds = ["webhook", "email", "ntfy"]

    /// The target as it will be stored and used.
    static func check(kind: String, target: String) throws(APIError) -> String {
        switch kind {
        case "webhook", "ntfy":
            do throws(RoutingError) { return try UpstreamURL(target, allowingQuery: true).description } catch {
                guard case .invalidUpstream(_, let reason) = error else { throw APIError(.invalid, "\(error)") }
                throw APIError(.invalid, "invalid \(kind) URL \(Quoting.quoted(target)): \(reason)")
            }
        case "email":
            do throws(AcmeRefusal) { return try AcmeEmail(target, what: "e-mail address").rawValue } catch {
                throw APIError(.invalid, error.description)
            }
        default:
            throw APIError(
                .invalid, "invalid channel kind \(Quoting.quoted(kind)): it takes webhook, email or ntfy")
        }
    }
}
