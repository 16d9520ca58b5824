import DokuenCore
import Testing

/// The formation of a new release (docs/DESIGN.md §2, Formation): what each type runs at the first deploy and after.
@Suite struct FormationReleaseTests {
    static func type(_ name: String) -> ProcessType { try! ProcessType(name) }
    static let web = type("web")
    static let worker = type("worker")
    static let once = type("once")
    static let clock = type("clock")

    static func text(_ decisions: [Formation.Decision]) -> String {
        decisions.map { "\($0.type)=\($0.count) \($0.origin)" }.joined(separator: ", ")
    }

    @Test func atTheFirstDeployWebRunsOneAndEveryOtherTypeNone() {
        let decisions = Formation.forRelease(
            types: [Self.web, Self.worker, Self.once], previousTypes: nil, stored: [:], manifest: [:])
        #expect(Self.text(decisions) == "once=0 fallback, web=1 fallback, worker=0 fallback")
        #expect(
            Formation.notes(decisions, stored: [:], firstRelease: true, app: "blog") == [
                "once, worker: new, so 0 until scaled (dokuen ps scale blog once=1, or app.json's formation)"
            ])
    }

    @Test func anEarlyScaleWinsOverAppJSONWhichWinsOverTheDefault() {
        let decisions = Formation.forRelease(
            types: [Self.web, Self.worker, Self.once], previousTypes: nil,
            stored: [Self.web: 0, Self.worker: 2, Self.clock: 3], manifest: [Self.web: 2, Self.once: 1])
        #expect(
            Self.text(decisions) == "once=1 manifest, web=0 scaled, worker=2 scaled, clock=0 dropped")
        #expect(
            Formation.notes(decisions, stored: [Self.clock: 3], firstRelease: true, app: "blog") == [
                "clock=3 was set before the first deploy, but this release has no clock; it goes to 0"
            ])
    }

    @Test func laterTypesKeepTheirCountsNewOnesStartAsAtFirstAndDroppedOnesGoToZero() {
        let decisions = Formation.forRelease(
            types: [Self.web, Self.worker, Self.once], previousTypes: [Self.web, Self.clock],
            stored: [Self.web: 3, Self.clock: 2], manifest: [Self.worker: 2])
        #expect(Self.text(decisions) == "once=0 fallback, web=3 kept, worker=2 manifest, clock=0 dropped")
        // After the first release, a dropped type is no news and app.json's count for a kept type changes nothing.
        #expect(
            Formation.notes(decisions, stored: [Self.web: 3, Self.clock: 2], firstRelease: false, app: "blog") == [
                "once: new, so 0 until scaled (dokuen ps scale blog once=1, or app.json's formation)"
            ])
        let again = Formation.forRelease(
            types: [Self.web], previousTypes: [Self.web], stored: [Self.web: 0], manifest: [Self.web: 5])
        #expect(Self.text(again) == "web=0 kept")
    }

    @Test func aNewWebInALaterReleaseRunsOneAsAtTheFirst() {
        let decisions = Formation.forRelease(
            types: [Self.web, Self.worker], previousTypes: [Self.worker], stored: [Self.worker: 1], manifest: [:])
        #expect(Self.text(decisions) == "web=1 fallback, worker=1 kept")
    }

    @Test func anExistingAppKeepsWhatItRuns() {
        // Apps deployed when every new type got 1: their counts are stored and kept.
        let decisions = Formation.forRelease(
            types: [Self.web, Self.worker], previousTypes: [Self.web, Self.worker],
            stored: [Self.web: 1, Self.worker: 1], manifest: [:])
        #expect(Self.text(decisions) == "web=1 kept, worker=1 kept")
    }
}
