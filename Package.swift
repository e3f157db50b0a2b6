// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Companin",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "companin", targets: ["companin"]),
        .library(name: "CompaninServer", targets: ["Companin", "CompaninCommandLine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
    ],
    targets: [
        // System-library shims: one module map and one header each.
        .systemLibrary(
            name: "CFastCGI", path: "Sources/CFastCGI",
            providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(
            name: "CMariaDB", path: "Sources/CMariaDB", pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]),
        .systemLibrary(
            name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CStemmer", path: "Sources/CStemmer",
            providers: [.apt(["libstemmer-dev"])]),

        // Infrastructure: knows nothing of assistants or organizations.
        // How a Swift property is spelt as a JSON key and as a column, shared by HTTP and MariaDB.
        .target(name: "KeyCase", swiftSettings: swiftSettings),
        // POSIX plumbing shared by the pool, the limiter and the extractors: errno errors and EINTR,
        // posix_spawn, shared memory. Not named `System`, which would clash with Apple's System
        // framework on macOS.
        .target(name: "POSIXSystem", dependencies: [], swiftSettings: swiftSettings),
        .target(
            name: "HTTP",
            dependencies: [
                "KeyCase",
                .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: swiftSettings),
        .target(
            name: "FastCGI",
            dependencies: [
                "CFastCGI", "HTTP",
            ], swiftSettings: swiftSettings),
        .target(
            name: "MariaDB",
            dependencies: [
                "CMariaDB", "KeyCase",
                .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: swiftSettings),
        .target(name: "RateLimiter", dependencies: ["POSIXSystem"], swiftSettings: swiftSettings),
        .target(
            name: "Ingestion",
            dependencies: [
                "CCurl", "CLibXML2", "CStemmer", "POSIXSystem",
                .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: swiftSettings),
        .target(
            name: "ResponderPool",
            dependencies: [
                "POSIXSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
            ], swiftSettings: swiftSettings),

        // The application and its executable.
        .target(
            name: "Companin",
            dependencies: [
                "HTTP", "MariaDB", "RateLimiter", "Ingestion", "ResponderPool", "POSIXSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CSV", package: "CSV.swift"),
            ], swiftSettings: swiftSettings),
        // The command line as a library, so that a deployment can build its own `companin` with
        // authentication policies of its own (README: Keys, scopes, browser tokens).
        .target(
            name: "CompaninCommandLine",
            dependencies: [
                "Companin", "FastCGI", "ResponderPool", "MariaDB", "HTTP", "RateLimiter", "Ingestion", "POSIXSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ], path: "Sources/CompaninCLI", swiftSettings: swiftSettings),
        // The folder differs from the product's name so it cannot collide with `Companin/` on a
        // disk that folds case.
        .executableTarget(
            name: "companin", dependencies: ["CompaninCommandLine"], path: "Sources/CompaninMain", swiftSettings: swiftSettings),

        // Parser fuzzing: libFuzzer entry points under `-D FUZZING` (`scripts/fuzz`), a corpus
        // replayer otherwise. Corpus/ holds the seeds and every input that once crashed a target.
        .executableTarget(
            name: "companin-fuzz",
            dependencies: [
                "Companin", "FastCGI", "HTTP", "Ingestion", "MariaDB", "RateLimiter",
                .product(name: "Logging", package: "swift-log"),
            ], path: "Tests/Fuzz", exclude: ["Corpus", "make_seeds.py"], swiftSettings: swiftSettings),

        .testTarget(name: "KeyCaseTests", dependencies: ["KeyCase"], swiftSettings: swiftSettings),
        .testTarget(name: "POSIXSystemTests", dependencies: ["POSIXSystem"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"], swiftSettings: swiftSettings),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI", "HTTP"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MariaDBTests",
            dependencies: [
                "MariaDB", .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: swiftSettings),
        .testTarget(name: "IngestionTests", dependencies: ["Ingestion", "POSIXSystem"], swiftSettings: swiftSettings),
        .testTarget(name: "RateLimiterTests", dependencies: ["RateLimiter", "POSIXSystem"], swiftSettings: swiftSettings),
        .testTarget(name: "ResponderPoolTests", dependencies: ["ResponderPool", "POSIXSystem"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CompaninTests",
            dependencies: [
                "Companin", "HTTP", "MariaDB", "Ingestion", "RateLimiter", "ResponderPool",
                .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
