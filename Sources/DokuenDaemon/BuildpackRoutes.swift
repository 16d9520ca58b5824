import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenStore
import Hummingbird

/// `dokuen buildpacks list|install|remove`: the built-in buildpacks and those installed in `<root>/buildpacks/`.
extension APIServer {
    static func addBuildpackRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, settings: DaemonSettings
    ) {
        let installer = BuildpackInstaller(
            catalog: BuildpackCatalog(
                builtInDirectory: settings.builtinBuildpacks.isEmpty ? nil : settings.builtinBuildpacks,
                installedDirectory: layout.buildpacksDirectory))
        v1.get("buildpacks") { _, _ in
            try json(try installer.list().map(entry))
        }
        v1.post("buildpacks") { request, context in
            let body = try await request.decode(as: InstallBuildpackRequest.self, context: context)
            let name = try BuildpackName(body.name)
            let source = try BuildpackSource(body.source)
            let installed = try await installer.install(name: name, source: source)
            try await store.appendEvent(
                actor: await actor(request, context), app: nil, action: "buildpack.install",
                detail: "\(name) from \(source)")
            return try json(entry(installed), status: .created)
        }
        v1.delete("buildpacks/:name") { request, context in
            let name = try BuildpackName(context.parameters.get("name") ?? "")
            try installer.remove(name: name)
            try await store.appendEvent(
                actor: await actor(request, context), app: nil, action: "buildpack.remove", detail: name.rawValue)
            return Response(status: .noContent)
        }
    }

    static func entry(_ buildpack: Buildpack) -> BuildpackEntry {
        switch buildpack.origin {
        case .builtIn: BuildpackEntry(name: buildpack.name.rawValue, origin: "built-in", source: nil, commit: nil)
        case .installed(let source, let commit):
            BuildpackEntry(name: buildpack.name.rawValue, origin: "installed", source: source, commit: commit)
        }
    }
}
