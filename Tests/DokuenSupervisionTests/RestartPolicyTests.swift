import DokuenSupervision
import Testing

/// Which exits each `--restart` policy restarts.
@Suite struct RestartPolicyTests {
    @Test(arguments: [
        (RestartPolicy.always, ProcessExit.code(0), true),
        (.always, .code(1), true),
        (.always, .code(255), true),
        (.always, .signal(9), true),
        (.never, .code(0), false),
        (.never, .code(1), false),
        (.never, .signal(15), false),
        (.onFailure(okCodes: [0]), .code(0), false),
        (.onFailure(okCodes: [0]), .code(1), true),
        (.onFailure(okCodes: [0]), .code(-1), true),
        (.onFailure(okCodes: [0]), .signal(9), true),
        (.onFailure(okCodes: [0]), .signal(15), true),
        // A death by signal is a failure, even when its number is listed as an ok code.
        (.onFailure(okCodes: [0, 15]), .signal(15), true),
        (.onFailure(okCodes: [0, 15]), .code(15), false),
        (.onFailure(okCodes: [2, 3]), .code(0), true),
        (.onFailure(okCodes: [2, 3]), .code(3), false),
        (.onFailure(okCodes: []), .code(0), true),
    ])
    func restarts(policy: RestartPolicy, exit: ProcessExit, restarts: Bool) {
        #expect(policy.restarts(after: exit) == restarts)
    }
}
