// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Canopy",
    products: [
        .executable(name: "canopy", targets: ["canopy"]),
        .library(name: "CanopyRuntime", targets: ["CanopyRuntime"]),
        .library(name: "CanopySpecs", targets: ["CanopySpecs"]),
        .library(name: "CanopyPlugins", targets: ["CanopyPlugins"]),
        .library(name: "CanopyCLI", targets: ["CanopyCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]),
        .target(
            name: "CanopyRuntime", dependencies: ["CBLAS", "CZlib", "CPNG", "CJPEG"], path: "Sources/Runtime"),
        .target(
            name: "CanopySpecs", dependencies: ["CanopyRuntime", "CYAML"], path: "Sources/Specs"),
        .target(
            name: "CanopyPlugins", dependencies: ["CanopyRuntime", "CanopySpecs"], path: "Sources/Plugins"),
        .target(
            name: "CanopyTraining", dependencies: ["CanopyRuntime", "CanopySpecs", "CBLAS"], path: "Sources/Training"),
        .target(
            name: "CanopyCLI",
            dependencies: [
                "CanopyRuntime",
                "CanopySpecs",
                "CanopyPlugins",
                "CanopyTraining",
                "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/CLI"),
        .executableTarget(name: "canopy", dependencies: ["CanopyCLI"], path: "Sources/canopy"),
        .target(
            name: "CanopyTestSupport", dependencies: ["CanopyRuntime", "CPNG", "CJPEG"], path: "Tests/Support"),
        .testTarget(
            name: "CanopyRuntimeTests", dependencies: ["CanopyRuntime", "CanopyTestSupport"], path: "Tests/RuntimeTests"),
        .testTarget(
            name: "CanopySpecsTests", dependencies: ["CanopySpecs", "CanopyRuntime"], path: "Tests/SpecsTests"),
        .testTarget(
            name: "CanopyTrainingTests",
            dependencies: ["CanopyTraining", "CanopyPlugins", "CanopySpecs", "CanopyRuntime", "CanopyTestSupport"],
            path: "Tests/TrainingTests"),
        .testTarget(
            name: "CanopyPluginsTests", dependencies: ["CanopyPlugins", "CanopySpecs", "CanopyRuntime", "CanopyTestSupport"],
            path: "Tests/PluginsTests"),
        .testTarget(
            name: "CanopyCompilerTests", dependencies: ["CanopySpecs", "CanopyPlugins", "CanopyRuntime", "CanopyTestSupport"],
            path: "Tests/CompilerTests"),
    ],
    swiftLanguageModes: [.v6]
)
