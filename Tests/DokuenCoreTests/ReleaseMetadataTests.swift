import DokuenCore
import Testing

/// An instance's environment: its release's metadata beside DYNO and PORT, above the app's env, so that a config
/// variable of the same name cannot hide it.
@Suite struct ReleaseMetadataTests {
    @Test func releaseMetadataIsPerInstanceAndWins() throws {
        let app = try AppName("blog")
        let id = try InstanceID(app: app, type: ProcessType("web"), index: 2, release: ReleaseID(number: 7))
        let release = InstanceEnvironment.Release(
            id: try ReleaseID(number: 7), createdAt: 1_796_399_938, commit: "0123456789abcdef0123456789abcdef01234567")
        let environment = InstanceEnvironment.make(
            instance: id, port: 5004, buildDirectory: "/b", dataDirectory: "/d", buildpackDefaults: [:],
            appEnvironment: [try EnvKey("DOKUEN_RELEASE"): "mine", try EnvKey("MODE"): "prod"],
            singleInstancePorts: [:], release: release)
        #expect(environment["DOKUEN_RELEASE"] == "v7")
        #expect(environment["DOKUEN_RELEASE_CREATED_AT"] == "2026-12-04T15:58:58Z")
        #expect(environment["SOURCE_VERSION"] == "0123456789abcdef0123456789abcdef01234567")
        #expect(environment["DYNO"] == "web.2" && environment["PORT"] == "5004" && environment["MODE"] == "prod")

        // A tarball's build has no commit: no SOURCE_VERSION. No release (a build step): none of them.
        let tarball = InstanceEnvironment.Release(id: try ReleaseID(number: 1), createdAt: 0, commit: nil)
        #expect(tarball.variables.keys.sorted() == ["DOKUEN_RELEASE", "DOKUEN_RELEASE_CREATED_AT"])
        let bare = InstanceEnvironment.make(
            instance: id, port: nil, buildDirectory: "/b", dataDirectory: "/d", buildpackDefaults: [:],
            appEnvironment: [:], singleInstancePorts: [:])
        #expect(bare["DOKUEN_RELEASE"] == nil && bare["SOURCE_VERSION"] == nil && bare["PORT"] == nil)
    }
}
