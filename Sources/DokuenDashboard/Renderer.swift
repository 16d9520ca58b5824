import Mustache

/// The templates, parsed once at start (a template that does not parse is a bug of ours, caught by the tests).
struct Renderer: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        do {
            try library.register(Templates.instanceActions, named: "instanceActions")
            for (name, text) in Templates.all { try library.register(text, named: name) }
        } catch {
            fatalError("a dashboard template does not parse: \(error)")
        }
        self.library = library
    }

    /// The page `name` filled with `values`.
    func render(_ name: String, _ values: [String: Any]) -> String {
        library.render(values, withTemplate: name) ?? ""
    }
}
