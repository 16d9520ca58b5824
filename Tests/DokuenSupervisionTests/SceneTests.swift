import DokuenSupervision
import Testing

/// The scenes other suites start from are what they claim to be.
@Suite struct SceneTests {
    @Test(arguments: Scene.allCases)
    func sceneReachesItsSnapshot(_ scene: Scene) {
        #expect(scene.machine.snapshot == scene.snapshot)
    }

    @Test func everyStateHasAScene() {
        let states = Set(Scene.allCases.map(\.snapshot.state.name))
        #expect(states == ["STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL"])
    }
}
