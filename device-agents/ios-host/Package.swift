// swift-tools-version:5.9
// The benchmark host (CONTRACT.md): one library with the benchmark, a macOS command-line tool for a
// Mac agent's local transport, and the iOS app's entry point. Not built here: this project's
// machines have no Swift toolchain or Xcode (see README.md).
import PackageDescription

let package = Package(
    name: "FarmHost",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "FarmHostCore", targets: ["FarmHostCore"]),
        .executable(name: "farm-coreml-host", targets: ["farm-coreml-host"]),
    ],
    targets: [
        .target(name: "FarmHostCore"),
        .executableTarget(name: "farm-coreml-host", dependencies: ["FarmHostCore"]),
        // The iOS app's SwiftUI entry point. An installable, signed .app needs an Xcode app project
        // (README.md: "Building the iOS app") that depends on FarmHostCore and uses this file.
        .executableTarget(name: "FarmHostApp", dependencies: ["FarmHostCore"]),
    ]
)
