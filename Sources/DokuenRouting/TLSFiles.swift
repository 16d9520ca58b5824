/// The certificate chain and private key of an app (`dokuen certs add APP CERT KEY`), as nginx reads them.
public struct TLSFiles: Hashable, Sendable {
    public let certificate: ConfigPath
    public let key: ConfigPath

    public init(certificate: ConfigPath, key: ConfigPath) {
        self.certificate = certificate
        self.key = key
    }
}
