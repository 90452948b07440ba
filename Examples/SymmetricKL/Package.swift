// swift-tools-version: 6.0
import PackageDescription

// A researcher's own package: a loss plugin and a `my-canopy` executable that is the
// whole canopy CLI with that loss registered, depending on Canopy without forking it.
// In a real project the dependency would be `.package(url: "https://.../canopy", from: ...)`.
let package = Package(
    name: "SymmetricKL",
    products: [
        .executable(name: "my-canopy", targets: ["my-canopy"]),
        .library(name: "SymmetricKL", targets: ["SymmetricKL"]),
    ],
    dependencies: [
        .package(name: "Canopy", path: "../..")
    ],
    targets: [
        .target(
            name: "SymmetricKL",
            dependencies: [
                .product(name: "CanopyRuntime", package: "Canopy"),
                .product(name: "CanopySpecs", package: "Canopy"),
            ]),
        .executableTarget(
            name: "my-canopy",
            dependencies: ["SymmetricKL", .product(name: "CanopyCLI", package: "Canopy")]),
        .testTarget(
            name: "SymmetricKLTests",
            dependencies: [
                "SymmetricKL",
                .product(name: "CanopyRuntime", package: "Canopy"),
                .product(name: "CanopySpecs", package: "Canopy"),
                .product(name: "CanopyPlugins", package: "Canopy"),
                .product(name: "CanopyCLI", package: "Canopy"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
