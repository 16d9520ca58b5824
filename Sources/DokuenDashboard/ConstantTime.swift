/// Comparing secrets without telling how much of a guess was right through the time it takes (a token, a CSRF
/// token, a session id): every byte is looked at whatever differs.
enum ConstantTime {
    static func equal(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        // The length of a token is no secret (64 hex digits); the bytes are.
        guard left.count == right.count, !left.isEmpty else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
