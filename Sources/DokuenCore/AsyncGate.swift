/// A first-come, first-served lock for async code: `enter` waits while another holder is inside, `leave` hands
/// the gate to the next waiter. An actor alone does not serialize its async methods (another call runs at each
/// `await`); a gate held across the awaits does. Every `enter` must be followed by exactly one `leave`.
public actor AsyncGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func enter() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }  // resumed holding the gate
        } else {
            busy = true
        }
    }

    public func leave() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }

    /// Runs `body` holding the gate, in the caller's isolation, and leaves it however `body` ends.
    public func holding<T, E: Error>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws(E) -> T
    ) async throws(E) -> T {
        await enter()
        do {
            let result = try await body()
            await leave()
            return result
        } catch {
            await leave()
            throw error
        }
    }
}
