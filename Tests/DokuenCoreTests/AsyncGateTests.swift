import Testing

@testable import DokuenCore

/// The gate keeps async critical sections apart across their suspensions, and lets every waiter in.
@Suite(.timeLimit(.minutes(1))) struct AsyncGateTests {
    actor Tally {
        var inside = 0
        var most = 0
        var done = 0
        func enter() {
            inside += 1
            most = max(most, inside)
        }
        func leave() {
            inside -= 1
            done += 1
        }
    }

    @Test func oneHolderAtATimeAndNobodyLeftWaiting() async {
        let gate = AsyncGate()
        let tally = Tally()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    await gate.holding {
                        await tally.enter()
                        await Task.yield()
                        try? await Task.sleep(for: .milliseconds(1))
                        await tally.leave()
                    }
                }
            }
        }
        #expect(await tally.most == 1)
        #expect(await tally.done == 50)
    }
}
