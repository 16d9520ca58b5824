// swift-tools-version:6.1
// Dependencies point one way: executables -> DokuenStore/DokuenSystemd -> DokuenPosix -> DokuenCore.
// See STYLE.md (package layout) and docs/DEPENDENCIES.md (why each dependency is here).
import PackageDescription

let package = Package(
    name: "dokuen",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dokuen", targets: ["dokuen"]),
        .executable(name: "dokuend", targets: ["dokuend"]),
        .executable(name: "dokuen-shim", targets: ["dokuen-shim"]),
    ],
    traits: [
        .trait(name: "Systemd", description: "Link libsystemd for sd_notify and socket activation (Linux only)."),
        .default(enabledTraits: ["Systemd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2")
    ],
    targets: [
        // System libraries and C.
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(name: "CDokuenSpawn"),

        // Libraries.
        .target(name: "DokuenCore"),
        .target(name: "DokuenPosix", dependencies: ["DokuenCore", "CDokuenSpawn"]),
        .target(
            name: "DokuenSystemd",
            dependencies: [.target(name: "CSystemd", condition: .when(platforms: [.linux], traits: ["Systemd"]))]),
        .target(name: "DokuenStore", dependencies: ["DokuenCore", "DokuenPosix", "CSQLite"]),

        // Executables.
        .executableTarget(
            name: "dokuen",
            dependencies: ["DokuenCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "dokuend",
            dependencies: [
                "DokuenCore", "DokuenPosix", "DokuenStore", "DokuenSystemd",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The shim links no Foundation and no store: it must stay tiny and outlive the daemon.
        .executableTarget(name: "dokuen-shim", dependencies: ["DokuenCore"]),

        // Tests.
        .target(name: "TestSupport", dependencies: ["DokuenPosix"], path: "Tests/TestSupport"),
        .testTarget(name: "DokuenCoreTests", dependencies: ["DokuenCore", "TestSupport"]),
        .testTarget(name: "DokuenPosixTests", dependencies: ["DokuenPosix", "TestSupport"]),
        .testTarget(name: "DokuenStoreTests", dependencies: ["DokuenStore", "TestSupport"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TestSupport", "dokuen", "dokuend", "dokuen-shim"]),
    ],
    swiftLanguageModes: [.v6]
)
