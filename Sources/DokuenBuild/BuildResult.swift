/// What a successful build produced: which buildpacks ran, in order, and their release descriptions merged (a
/// later buildpack's values win).
public struct BuildResult: Equatable, Sendable {
    public let buildpacks: [String]
    public let release: ReleaseDescription

    public init(buildpacks: [String], release: ReleaseDescription) {
        self.buildpacks = buildpacks
        self.release = release
    }
}
