import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore
import Hummingbird

/// `dokuen buildpacks list|install|remove|set|show`: the built-in buildpacks and those installed in
/// `<root>/buildpacks/`, in detection order, and the buildpack an app is pinned to.
extension APIServer {
    static func addBuildpackRoutes(
        to v1: RouterGroup<DokuenContext>, layout: RootLayout, store: Store, settings: DaemonSettings
    ) {
        let catalog = BuildpackCatalog(
            builtInDirectory: settings.builtinBuildpacks.isEmpty ? nil : settings.builtinBuildpacks,
            installedDirectory: layout.buildpacksDirectory)
        let installer = BuildpackInstaller(catalog: catalog)
        v1.get("buildpacks") { _, _ in
            try json(try entries(installer: installer))
        }
        v1.post("buildpacks") { request, context in
            let body = try await request.decode(as: InstallBuildpackRequest.self, context: context)
            let name = try BuildpackName(body.name)
            let source = try BuildpackSource(body.source)
            let installed = try await installer.install(name: name, source: source)
            try await store.appendEvent(
                actor: await actor(request, context), app: nil, action: "buildpack.install",
                detail: "\(name) from \(source)")
            return try json(
                try entries(installer: installer).first { $0.name == name.rawValue } ?? entry(installed),
                status: .created)
        }
        v1.delete("buildpacks/:name") { request, context in
            let name = try BuildpackName(context.parameters.get("name") ?? "")
            try installer.remove(name: name)
            try await store.appendEvent(
                actor: await actor(request, context), app: nil, action: "buildpack.remove", detail: name.rawValue)
            return Response(status: .noContent)
        }
        v1.get("apps/:app/buildpack") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            return try json(try await choice(name, catalog: catalog, layout: layout, store: store))
        }
        v1.put("apps/:app/buildpack") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let body = try await request.decode(as: SetBuildpackRequest.self, context: context)
            let text = try checkedSetting(body.buildpack, catalog: catalog)
            try await store.setAppBuildpack(name, to: text, actor: await actor(request, context))
            return try json(try await choice(name, catalog: catalog, layout: layout, store: store))
        }
        v1.delete("apps/:app/buildpack") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            try await store.setAppBuildpack(name, to: nil, actor: await actor(request, context))
            return try json(try await choice(name, catalog: catalog, layout: layout, store: store))
        }
    }

    /// Every buildpack in detection order, numbered.
    static func entries(installer: BuildpackInstaller) throws -> [BuildpackEntry] {
        let tried = Set(try installer.catalog.detectionCandidates().map(\.name))
        let builtIns = Set(try installer.catalog.builtIns().map(\.name))
        var position = 0
        return try installer.list().map { buildpack in
            var listed = entry(buildpack)
            if tried.contains(buildpack.name) {
                position += 1
                listed.position = position
            }
            if case .installed = buildpack.origin, builtIns.contains(buildpack.name) { listed.replacesBuiltIn = true }
            return listed
        }
    }

    static func entry(_ buildpack: Buildpack) -> BuildpackEntry {
        switch buildpack.origin {
        case .builtIn: BuildpackEntry(name: buildpack.name.rawValue, origin: "built-in", source: nil, commit: nil)
        case .installed(let source, let commit):
            BuildpackEntry(name: buildpack.name.rawValue, origin: "installed", source: source, commit: commit)
        }
    }

    /// `text` as `buildpacks set` stores it, once it names a buildpack there is: a name (or `heroku/NAME`) of a
    /// built-in or installed one, or the source of an installed one.
    static func checkedSetting(_ text: String, catalog: BuildpackCatalog) throws -> String {
        let trimmed = trimmingBlanks(text)
        let reference: BuildpackSelection.Reference
        do throws(BuildError) { reference = try BuildpackSelection.reference(trimmed) } catch {
            if case .buildpacksFile(_, let reason) = error {
                throw APIError(.invalid, "invalid buildpack \(Quoting.quoted(trimmed)): \(reason)")
            }
            throw APIError(.invalid, error.description)
        }
        switch reference {
        case .name(let name):
            guard try catalog.buildpack(named: name) != nil else {
                let known = try catalog.detectionCandidates().map(\.name.rawValue).joined(separator: ", ")
                throw APIError(
                    .notFound, "no buildpack is called \(name); the buildpacks are \(known), or install one first")
            }
        case .source(let source):
            guard try catalog.installed(from: source) != nil else {
                throw APIError(
                    .notFound,
                    "\(source) is not installed; install it first with `dokuen buildpacks install NAME \(source)`")
            }
        }
        return trimmed
    }

    /// What `app`'s next deploy builds with and why: BUILDPACK_URL from its config, its `buildpacks set`, the
    /// `.buildpacks` of its current build (the next push's own file decides), else detection.
    static func choice(_ app: AppName, catalog: BuildpackCatalog, layout: RootLayout, store: Store) async throws
        -> BuildpackChoice
    {
        let setting = try await store.appBuildpack(app)
        let paths = layout.app(app)
        let url = try EnvDirectory(path: paths.env).dictionary()[Builder.buildpackURL].flatMap {
            trimmingBlanks($0).isEmpty ? nil : trimmingBlanks($0)
        }
        let fileText = Posix.isDirectory(paths.current) ? try Builder.readBuildpacksFile(in: paths.current) : nil
        let selection = try BuildpackSelection.choose(
            buildpackURL: url, appBuildpack: setting, buildpacksFile: fileText)
        let fileLines = try fileText.map { (text) throws(BuildError) in
            try BuildpackSelection.choose(buildpackURL: nil, buildpacksFile: text).references.map(\.description)
        }
        let overridden = BuildpackSelection.overridden(
            buildpackURL: url, appBuildpack: setting, hasBuildpacksFile: fileText != nil)
        let names: [String]
        let note: String
        switch selection.origin {
        case .environment:
            names = selection.references.map(\.description)
            note =
                "BUILDPACK_URL in the app's config wins over everything; `dokuen config unset \(app) BUILDPACK_URL`"
                + " to stop using it"
        case .appSetting:
            names = selection.references.map(\.description)
            note =
                "set with `dokuen buildpacks set`; it wins over .buildpacks and detection; "
                + "`dokuen buildpacks set \(app) --clear` to stop using it"
        case .buildpacksFile:
            names = selection.references.map(\.description)
            note = "the current build's .buildpacks; the .buildpacks of the next deploy's tree decides"
        case .detection:
            names = try catalog.detectionCandidates().map(\.name.rawValue)
            note =
                "the first of these whose detect accepts the app: the built-ins first, then the installed "
                + "buildpacks in install order"
        }
        return BuildpackChoice(
            app: app.rawValue, rule: selection.origin.description, buildpacks: names,
            overridden: overridden.map(\.description), buildpackURL: url, setting: setting,
            buildpacksFile: fileLines, note: note)
    }
}

/// `text` without leading and trailing spaces and tabs.
private func trimmingBlanks(_ text: String) -> String {
    let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    return String(text.drop(while: blank).reversed().drop(while: blank).reversed())
}
