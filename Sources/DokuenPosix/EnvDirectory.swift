public import DokuenCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An app's config on disk: a daemontools envdir (one 0600 file per variable, see `EnvDir`) that is replaced as a
/// whole. `path` (e.g. `apps/blog/env`) is a symlink to a generation directory `env.g<N>` beside it. A write
/// builds generation N+1 completely, fsyncs it, and swaps the symlink with rename(2), so a reader such as
/// `envdir apps/blog/env cmd` sees the old set or the new one, never a mix. The previous generation is kept for
/// readers that resolved the link just before the swap; older ones are removed.
public struct EnvDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The variables, sorted by key. A missing directory is an empty config.
    public func read() throws -> [(key: EnvKey, value: String)] {
        guard let info = try Posix.lstat(path) else { return [] }
        // A link to a generation that is gone would read as an empty config: refuse it rather than lose the config.
        if info.kind == .symlink, !Posix.isDirectory(path) {
            throw EnvDirectoryError.danglingLink(path: path, target: (try? Posix.readlink(path)) ?? "?")
        }
        var result: [(key: EnvKey, value: String)] = []
        for name in try Posix.listDirectory(path) where !name.hasPrefix(".") {  // envdir skips dot files too
            let key = try EnvKey(name)
            if let value = try EnvDir.decode(try Posix.readFile(path + "/" + name), for: key) {
                result.append((key, value))
            }
        }
        return result
    }

    /// The variables as a dictionary.
    public func dictionary() throws -> [EnvKey: String] {
        Dictionary(uniqueKeysWithValues: try read().map { ($0.key, $0.value) })
    }

    /// Replaces the whole config with `variables`. Every value is checked before anything is written, so a
    /// refused value leaves the config as it was.
    public func write(_ variables: [EnvKey: String]) throws {
        let files = try variables.sorted { $0.key < $1.key }.map { ($0.key, try EnvDir.encode($0.value, for: $0.key)) }
        let (parent, name) = AtomicFile.split(path)
        let current = try currentGeneration()
        let next = current + 1
        let directory = parent + "/" + generationName(next)

        try Posix.removeTree(directory)  // left by a writer that crashed before its swap
        try Posix.mkdir(directory, mode: 0o700)
        for (key, bytes) in files {
            let file = directory + "/" + key.rawValue
            let fd = try Posix.open(file, [.writeOnly, .create, .exclusive], mode: 0o600)
            defer { Posix.close(fd) }
            try Posix.fchmod(fd, 0o600, path: file)
            try Posix.writeAll(fd, bytes, path: file)
            try Posix.fsync(fd, path: file)
        }
        try Posix.fsyncDirectory(directory)

        let link = parent + "/." + name + ".link.tmp." + String(Posix.getpid())
        if try Posix.lstat(link) != nil { try Posix.unlink(link) }
        try Posix.symlink(target: generationName(next), at: link)
        try Posix.rename(link, path)
        try Posix.fsyncDirectory(parent)

        for old in try generations() where old < current {
            try? Posix.removeTree(parent + "/" + generationName(old))
        }
    }

    /// Sets and unsets some variables, keeping the rest, and returns the new config.
    @discardableResult
    public func update(set: [EnvKey: String], unset: [EnvKey] = []) throws -> [EnvKey: String] {
        var variables = try dictionary()
        for key in unset { variables[key] = nil }
        variables.merge(set) { _, new in new }
        try write(variables)
        return variables
    }

    private var baseName: String { AtomicFile.split(path).1 }

    private func generationName(_ number: Int) -> String { baseName + ".g" + String(number) }

    /// The generation `path` points to; 0 when there is none yet.
    private func currentGeneration() throws -> Int {
        guard let info = try Posix.lstat(path) else { return 0 }
        guard info.kind == .symlink else {
            throw EnvDirectoryError.notAGenerationLink(path: path)
        }
        let target = try Posix.readlink(path)
        guard let number = generationNumber(target) else { throw EnvDirectoryError.notAGenerationLink(path: path) }
        return number
    }

    private func generations() throws -> [Int] {
        try Posix.listDirectory(AtomicFile.split(path).0).compactMap(generationNumber)
    }

    private func generationNumber(_ name: String) -> Int? {
        let prefix = baseName + ".g"
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.count < 10, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        return Int(digits)
    }
}

/// Why an envdir cannot be written.
public enum EnvDirectoryError: Error, Equatable, CustomStringConvertible {
    case notAGenerationLink(path: String)
    case danglingLink(path: String, target: String)

    public var description: String {
        switch self {
        case .notAGenerationLink(let path):
            "unable to update config \(path): it is not a symlink to a generation directory (<name>.g<N>); "
                + "move it aside and set the config again"
        case .danglingLink(let path, let target):
            "unable to read config \(path): it points to \(target), which is missing"
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
