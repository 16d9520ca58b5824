extension Duration {
    /// The whole milliseconds of this duration, rounded toward zero: what run records and events store.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
