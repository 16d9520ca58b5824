import DokuenSupervision

extension ShimMachine.Settings {
    /// The default settings with a few changed: `ShimMachine(settings: .changed { $0.restart = .never })`.
    static func changed(_ change: (inout Self) -> Void) -> Self {
        var settings = Self()
        change(&settings)
        return settings
    }
}
