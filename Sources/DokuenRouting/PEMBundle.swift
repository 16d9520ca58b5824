import DokuenCore

/// A certificate chain and its private key as `dokuen certs add` sends them, checked before either touches a file
/// that nginx reads (docs/DESIGN.md invariant 4), and normalized to the PEM blocks alone.
///
/// The checks are on the armour (RFC 7468), not the cryptography: `nginx -t` (or openssl) judges the content.
/// - Each text is at most `maxBytes` and ASCII only (tabs, CR and LF allowed), so a DER file or a stray binary is
///   refused with a hint instead of reaching nginx.
/// - Blocks are `-----BEGIN L-----` … `-----END L-----` with the same label, and base64 lines between them;
///   explanatory text outside blocks is allowed and dropped.
/// - The certificate file holds only `CERTIFICATE` blocks, at least one (the leaf first, then its chain). A
///   private key there is refused: it would land in a world-readable file.
/// - The key file holds exactly one unencrypted private key (`PRIVATE KEY`, `RSA PRIVATE KEY` or
///   `EC PRIVATE KEY`); an `EC PARAMETERS` block beside it (from `openssl ecparam -genkey`) is dropped. nginx
///   would ask for a passphrase it cannot get, so an encrypted key is refused with the command that decrypts it.
public struct PEMBundle: Hashable, Sendable {
    /// The limit on each text. A long chain is a few kilobytes.
    public static let maxBytes = 1 << 20

    /// The `CERTIFICATE` blocks in the order given, LF line ends, ending with a newline.
    public let certificate: String
    /// The private key block, LF line ends, ending with a newline.
    public let key: String
    /// How many certificates `certificate` holds (the leaf and its chain).
    public let chainLength: Int

    static let keyLabels: Set<String> = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]

    public init(certificate: String, key: String) throws(RoutingError) {
        let certificateBlocks: [Block]
        do throws(PEMRefusal) {
            certificateBlocks = try Self.blocks(of: certificate)
        } catch {
            throw .invalidCertificate(reason: error.reason)
        }
        let keyBlocks: [Block]
        do throws(PEMRefusal) { keyBlocks = try Self.blocks(of: key) } catch {
            throw .invalidKey(reason: error.reason)
        }
        self.certificate = try Self.chain(certificateBlocks)
        self.key = try Self.privateKey(keyBlocks)
        chainLength = certificateBlocks.count
    }

    private static func chain(_ blocks: [Block]) throws(RoutingError) -> String {
        func refuse(_ reason: String) -> RoutingError { .invalidCertificate(reason: reason) }
        for block in blocks where block.label != "CERTIFICATE" {
            if keyLabels.contains(block.label) || block.label.hasSuffix("PRIVATE KEY") {
                throw refuse(
                    "line \(block.line) begins a \(block.label) block; the key goes in its own file (KEY_FILE), "
                        + "never beside the certificate, which is readable by all")
            }
            throw refuse(
                "line \(block.line) begins a \(block.label) block; only CERTIFICATE blocks belong in this file")
        }
        if blocks.isEmpty {
            throw refuse("it holds no PEM block; a certificate begins with -----BEGIN CERTIFICATE-----")
        }
        return blocks.map(\.text).joined()
    }

    private static func privateKey(_ blocks: [Block]) throws(RoutingError) -> String {
        func refuse(_ reason: String) -> RoutingError { .invalidKey(reason: reason) }
        var keys: [Block] = []
        for block in blocks {
            switch block.label {
            case _ where keyLabels.contains(block.label): keys.append(block)
            case "EC PARAMETERS": continue
            case "ENCRYPTED PRIVATE KEY":
                throw refuse(
                    "it is encrypted, and nginx cannot ask for its passphrase; decrypt it with "
                        + "openssl pkey -in KEY_FILE -out plain.key")
            case "OPENSSH PRIVATE KEY":
                throw refuse("it is an OpenSSH key, not a TLS key; give the key the certificate was issued for")
            case "CERTIFICATE":
                throw refuse(
                    "line \(block.line) begins a CERTIFICATE block; the certificate goes in CERT_FILE "
                        + "(are CERT_FILE and KEY_FILE swapped?)")
            default:
                throw refuse(
                    "line \(block.line) begins a \(block.label) block; a key file holds one PRIVATE KEY block")
            }
            if block.encrypted {
                throw refuse(
                    "it is encrypted (Proc-Type: 4,ENCRYPTED), and nginx cannot ask for its passphrase; decrypt it "
                        + "with openssl pkey -in KEY_FILE -out plain.key")
            }
        }
        if keys.isEmpty {
            throw refuse("it holds no private key; a key begins with -----BEGIN PRIVATE KEY----- (or RSA/EC)")
        }
        if keys.count > 1 { throw refuse("it holds \(keys.count) private keys; give exactly one") }
        return keys[0].text
    }

    /// One PEM block: its label, the line its BEGIN is on (from 1), and its normalized text.
    struct Block {
        let label: String
        let line: Int
        let text: String
        /// RFC 1421 headers said `Proc-Type: 4,ENCRYPTED`.
        let encrypted: Bool
    }

    /// Why a text is not PEM; the caller says which file.
    struct PEMRefusal: Error {
        let reason: String
    }

    /// The blocks of `text`, in order; explanatory text between them is skipped.
    static func blocks(of text: String) throws(PEMRefusal) -> [Block] {
        func refuse(_ reason: String) -> PEMRefusal { PEMRefusal(reason: reason) }
        if text.utf8.count > maxBytes {
            throw refuse("it is \(text.utf8.count) bytes long; the limit is \(maxBytes) (1 MiB)")
        }
        if text.allSatisfy(\.isWhitespace) { throw refuse("it is empty") }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "\t", "\n", "\r", " "..."~": continue
            default:
                throw refuse(
                    "it is not PEM text: it contains \(Quoting.describe(scalar, at: offset + 1)) (a binary DER file "
                        + "converts with openssl x509 -inform der -in FILE -out FILE.pem)")
            }
        }
        var blocks: [Block] = []
        // The open block: its label, BEGIN line, body lines, and whether headers said it is encrypted.
        var open: (label: String, line: Int, body: [Substring], encrypted: Bool)?
        // "\r\n" is one Character, so CRLF must be named to split on it.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            var line = raw[...]
            while let last = line.last, last == "\r" || last == " " || last == "\t" { line = line.dropLast() }
            if let current = open {
                if line.hasPrefix("-----END ") {
                    guard line.hasSuffix("-----"), line.dropFirst(9).dropLast(5) == current.label else {
                        throw refuse(
                            "line \(number) does not end the \(current.label) block begun on line \(current.line)")
                    }
                    let body = current.body.joined()
                    guard !body.isEmpty else {
                        throw refuse("the \(current.label) block on line \(current.line) is empty")
                    }
                    let padding = body.drop { $0 != "=" }
                    guard body.utf8.count % 4 == 0, padding.count <= 2, padding.allSatisfy({ $0 == "=" }) else {
                        throw refuse(
                            "the \(current.label) block on line \(current.line) is not whole base64 (cut short?)")
                    }
                    let text =
                        "-----BEGIN \(current.label)-----\n" + current.body.joined(separator: "\n")
                        + "\n-----END \(current.label)-----\n"
                    blocks.append(
                        Block(label: current.label, line: current.line, text: text, encrypted: current.encrypted))
                    open = nil
                } else if line.hasPrefix("-----BEGIN ") {
                    throw refuse(
                        "line \(number) begins a block inside the \(current.label) block begun on line \(current.line)")
                } else if line.contains(":") && current.body.isEmpty {
                    // RFC 1421 headers, as OpenSSL writes for a legacy encrypted key.
                    if line.hasPrefix("Proc-Type:") && line.contains("ENCRYPTED") { open?.encrypted = true }
                } else if line.isEmpty {
                    continue  // the blank line after RFC 1421 headers, or a stray one; the text is rebuilt
                } else if line.utf8.allSatisfy(isBase64) && !line.isEmpty {
                    open?.body.append(line)
                } else {
                    throw refuse(
                        "line \(number), in the \(current.label) block begun on line \(current.line), is not base64")
                }
            } else if line.hasPrefix("-----BEGIN ") {
                let label = line.dropFirst(11)
                guard label.hasSuffix("-----"), !label.dropLast(5).isEmpty,
                    label.dropLast(5).utf8.allSatisfy({ isLabelByte($0) })
                else { throw refuse("line \(number) is not a PEM BEGIN line such as -----BEGIN CERTIFICATE-----") }
                open = (String(label.dropLast(5)), number, [], false)
            }
        }
        if let current = open {
            throw refuse("the \(current.label) block begun on line \(current.line) has no END line")
        }
        return blocks
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default: false
        }
    }

    /// RFC 7468 labels are printable ASCII without `-` at the ends; these are upper case words and spaces.
    private static func isLabelByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: " ")
    }
}
