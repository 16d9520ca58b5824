/// Secrets and unguessable names: random bytes from the system's generator (getrandom(2) on Linux), as lowercase
/// hex. The one way the project makes them: app.json's generated secrets, add-on passwords, the dashboard's tokens,
/// sessions and CSRF tokens.
public enum RandomHex {
    /// `bytes` random bytes as `2 × bytes` hex digits.
    public static func digits(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(bytes * 2)
        for _ in 0..<bytes {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 15)])
        }
        return text
    }
}
