/// One series' value read at scrape time: a name, its labels in order, and a value. A gauge is set to the value;
/// a counter is a total that only a new process (a new shim) may lower, recorded as increments (`ScrapedSeries`).
struct MetricSample: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case gauge
        case counter
    }

    /// A label and its value.
    struct Label: Equatable, Sendable {
        let name: String
        let value: String
    }

    let name: String
    let labels: [Label]
    let value: Double
    let kind: Kind

    init(_ name: String, _ labels: [(String, String)] = [], _ value: Double, kind: Kind = .gauge) {
        self.name = name
        self.labels = labels.map { Label(name: $0.0, value: $0.1) }
        self.value = value
        self.kind = kind
    }

    /// What names the series: its name and labels, as Prometheus writes them (the value left out). Label values are
    /// escaped as the text format wants (backslash, double quote, newline).
    var series: String {
        guard !labels.isEmpty else { return name }
        let pairs = labels.map { label in
            var escaped = ""
            for character in label.value {
                switch character {
                case "\\": escaped += "\\\\"
                case "\"": escaped += "\\\""
                case "\n": escaped += "\\n"
                default: escaped.append(character)
                }
            }
            return "\(label.name)=\"\(escaped)\""
        }
        return name + "{" + pairs.joined(separator: ",") + "}"
    }
}
