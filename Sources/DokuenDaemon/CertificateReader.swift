import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenRouting

/// Reads an installed certificate's subject, issuer and expiry with `openssl x509`, run with an argv (never a shell)
/// through StepRunner, on a path built from a validated app name. Without openssl there is nothing to show, and
/// certificates still work: nginx reads them itself.
enum CertificateReader {
    /// What openssl made of a certificate file.
    enum Reading: Equatable {
        case read(CertificateSummary)
        /// openssl could not read it; its first line of output says why.
        case unreadable(String)
        /// No openssl on this machine.
        case noOpenSSL
    }

    static let candidates = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl", "/bin/openssl"]

    static var openssl: String? { candidates.first { Posix.canExecute($0) } }

    static func read(_ path: String) async -> Reading {
        guard let openssl else { return .noOpenSSL }
        let output = LineCollector()
        let status: ExitStatus
        do {
            status = try await StepRunner.run(
                BuildStep(
                    label: "openssl x509", executable: openssl,
                    arguments: [
                        "x509", "-in", path, "-noout", "-subject", "-issuer", "-enddate", "-nameopt", "RFC2253",
                    ],
                    environment: ["PATH": InstanceEnvironment.defaultPath, "LC_ALL": "C"], timeout: .seconds(10)),
                onLine: output.add)
        } catch {
            return .unreadable("\(error)")
        }
        let text = output.lines.joined(separator: "\n")
        if status == .exited(0), let summary = CertificateSummary(opensslOutput: text) { return .read(summary) }
        let first = output.lines.first { !$0.allSatisfy(\.isWhitespace) } ?? "\(status)"
        return .unreadable(Quoting.printable(first, limit: 200))
    }
}
