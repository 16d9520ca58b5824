import Testing

@testable import DokuenSupervision

/// Bugs found by review, pinned so they stay fixed.
@Suite struct RegressionTests {
    /// RUNNING → EXITED (no restart) must clear `ready`; `status` showed `state=EXITED ready=1`.
    @Test func exitedIsNotReady() {
        var machine = ShimMachine(settings: .changed { $0.restart = .never })
        _ = machine.handle(.boot, at: 0)
        _ = machine.handle(.spawned(pid: 100), at: 0)
        _ = machine.handle(.deadline, at: 1_000)
        #expect(machine.handle(.childExited(.code(0)), at: 2_000) == [.signalGroup(9)])
        #expect(machine.state == .exited && machine.ready == false)
    }

    /// A `d` or `r` during a teardown started by `x` or SIGTERM must not cancel the shim's exit.
    @Test(
        arguments: [ShimMachine.Event.control(.exit), .terminate],
        [ShimMachine.Event.control(.down), .control(.restart)])
    func exitIsNotCancelled(first: ShimMachine.Event, second: ShimMachine.Event) {
        var machine = Scene.running.machine
        _ = machine.handle(first, at: 2_000)
        #expect(machine.handle(second, at: 2_050) == [])
        _ = machine.handle(.childExited(.signal(15)), at: 2_100)
        #expect(machine.handle(.groupGone, at: 2_100) == [.exit(0)])
    }

    /// A value ending in CR (a CRLF Procfile) fused with the line end and broke the next key.
    @Test(arguments: ["bin/web\r", "\r", "a\r\nb"])
    func carriageReturnRoundTrips(text: String) {
        var record = StatusRecord()
        record.command = text
        record.error = text
        #expect(StatusRecord(decoding: record.encoded()) == record)
    }

    @Test(arguments: ["s+5", "s05", "s 5", "s-1", "s"])
    func controlSignalsAreDigitsOnly(_ line: String) {
        #expect(ControlCommand(line: line) == nil)
    }

    @Test(arguments: ["+15", "015", "-15", " 15"])
    func signalNumbersAreDigitsOnly(_ text: String) {
        #expect(Signals.number(text) == nil)
    }
}
