import DokuenCore
import DokuenReconciliation
import DokuenSupervision
import Testing

/// A planner input written as text, so that the tables read like `dokuen status`.
///
/// - desired: `blog@v3 web=2 worker=1! clock=3!1,3`: app, current release (omitted when none), then `type=count`,
///   `!` when the type is stopped, `!` and indexes when only those slots are stopped;
/// - observed: `blog:web.1@v2 [dead] [STATE] [pgid=N] [exit=N]`: an instance, `dead` when its shim's lock is free,
///   its status state in lower case, its last exit code; with none of these the status is unreadable (nil);
/// - a planned step: `start blog:web.1@v3`, `stop …`, `reap … pgid 77`, `remove …`.
struct Scenario: CustomTestStringConvertible {
    var desired: [String]
    var observed: [String]

    var testDescription: String { "desired \(desired), observed \(observed)" }

    func plannedSteps() -> [String] {
        Reconciler.plan(desired: desired.map(Self.desiredApp), observed: observed.map(Self.observedInstance))
            .map(Self.text)
    }

    static func desiredApp(_ line: String) -> DesiredApp {
        let words = line.split(separator: " ").map(String.init)
        let head = words[0].split(separator: "@").map(String.init)
        var app = DesiredApp(app: try! AppName(head[0]), release: head.count > 1 ? try! ReleaseID(head[1]) : nil)
        for word in words.dropFirst() {
            if word.hasPrefix("serving=") {
                app.serving = try! ReleaseID(String(word.dropFirst("serving=".count)))
                continue
            }
            let parts = word.split(separator: "!", omittingEmptySubsequences: false).map(String.init)
            let pair = parts[0].split(separator: "=").map(String.init)
            let slots = parts.count > 1 ? Set(parts[1].split(separator: ",").map { Int($0)! }) : []
            app.processes[try! ProcessType(pair[0])] = DesiredProcess(
                count: Int(pair[1])!, stopped: parts.count > 1 && slots.isEmpty, stoppedIndexes: slots)
        }
        return app
    }

    static func observedInstance(_ line: String) -> ObservedInstance {
        let words = line.split(separator: " ").map(String.init)
        var instance = ObservedInstance(id: instanceID(words[0]), shimAlive: true)
        for word in words.dropFirst() {
            if word == "dead" {
                instance.shimAlive = false
            } else if word.hasPrefix("pgid=") {
                instance.status = instance.status ?? StatusRecord()
                instance.status!.pgid = Int32(word.dropFirst(5))!
            } else if word.hasPrefix("exit=") {
                instance.status = instance.status ?? StatusRecord()
                instance.status!.lastExit = .code(Int32(word.dropFirst(5))!)
            } else {
                instance.status = instance.status ?? StatusRecord()
                instance.status!.state = ShimState(name: word.uppercased())!
            }
        }
        return instance
    }

    /// `blog:web.1@v3`.
    static func instanceID(_ text: String) -> InstanceID {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        return try! InstanceID(app: AppName(parts[0]), directoryName: parts[1])
    }

    static func text(_ action: ReconcileAction) -> String {
        switch action {
        case .start(let id): "start \(id)"
        case .stop(let id): "stop \(id)"
        case .reap(let id, let pgid): "reap \(id) pgid \(pgid)"
        case .remove(let id): "remove \(id)"
        }
    }
}
