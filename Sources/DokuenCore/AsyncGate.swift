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
}
