// swift-tools-version: 6.2
import PackageDescription

// The module graph of HueS, read top to bottom:
//   Platform            shared kernel (config, database, event log, work calendar, problems, city profile)
//   Web                 page layout, templates, translations, assets      -> Platform
//   Identity            accounts, roles, org tree, tokens, sessions       -> Platform, Web
//   Notices             one inbox per account, email (SMTP) and Web Push-> Platform, Web
//   Catalog             integrated city services, each an OIDC client     -> Platform, Identity, Web
//   Workflow            data-defined processes, deadlines, escalation     -> Platform
//   PublicServices      procedures, dossiers, one-stop work, lookup       -> Platform, Workflow, Web
//   Payments            invoices, VietQR, bank confirmations, ledger      -> Platform, Web, QRCode
//   Performance         Decision 766 scorecards from the event log        -> Platform
//   Operations          IOC: NGSI-LD sensor broker, readings, subscriptions -> Platform
//   App                 composition root: buildApplication                -> every module
//   hues                the CLI                                           -> App
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "hues",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hues", targets: ["hues"]),
        .executable(name: "hues-bench", targets: ["HuesBench"]),
        .executable(name: "hues-dossier-bench", targets: ["DossierBench"]),
        .executable(name: "hues-signature-bench", targets: ["SignatureBench"]),
        .executable(name: "hues-payment-bench", targets: ["PaymentBench"]),
        .executable(name: "hues-field-report-bench", targets: ["FieldReportBench"]),
        .executable(name: "hues-performance-bench", targets: ["PerformanceBench"]),
        .executable(name: "hues-ioc-bench", targets: ["IOCBench"]),
        .executable(name: "hues-soc-bench", targets: ["SOCBench"]),
        .executable(name: "hues-fuzz", targets: ["HuesFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "Platform",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Resources/cities")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Identity",
            dependencies: [
                "Platform", "Web",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/pages"), .copy("Resources/i18n"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Web",
            dependencies: [
                "Platform",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Resources/pages"), .copy("Resources/static"), .copy("Resources/i18n"), .copy("Resources/worker")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Notices",
            dependencies: [
                "Platform", "Web",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/notice-templates.json"), .copy("Resources/pages"), .copy("Resources/i18n"), .copy("Resources/static"),
                        .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Catalog",
            dependencies: [
                "Platform", "Identity", "Web",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
            ],
            resources: [.copy("Resources/pages"), .copy("Resources/i18n"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Workflow",
            dependencies: [
                "Platform",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PublicServices",
            dependencies: [
                "Platform", "Workflow", "Web", "Documents", "QRCode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/pages"), .copy("Resources/i18n"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "QRCode",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Documents",
            dependencies: ["QRCode"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Signatures",
            dependencies: [
                "Platform", "Web", "QRCode", "Documents",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            resources: [.copy("Resources/pages"), .copy("Resources/i18n"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Payments",
            dependencies: [
                "Platform", "Web", "QRCode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/pages"), .copy("Resources/i18n"), .copy("Resources/static"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FieldReports",
            dependencies: [
                "Platform", "Workflow", "Web",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/pages"), .copy("Resources/i18n"), .copy("Resources/static"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Performance",
            dependencies: [
                "Platform", "Web", "Documents",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Resources/pages"), .copy("Resources/i18n"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Operations",
            dependencies: [
                "Platform", "Web",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/pages"), .copy("Resources/i18n"), .copy("Resources/static")],
            swiftSettings: swiftSettings
        ),
        .target(
            // The security operations centre (issue #20): the parsers of what the city's machines send, Sigma rules.
            name: "SecurityOperations",
            dependencies: ["Platform", "Web", .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Metrics", package: "swift-metrics"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            resources: [.copy("Resources/rules"), .copy("Resources/openapi.json"), .copy("Resources/pages"), .copy("Resources/i18n"),
                        .copy("Resources/static")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "App",
            dependencies: [
                "Platform", "Identity", "Web", "Catalog", "Notices", "Workflow", "PublicServices", "Signatures", "Payments", "FieldReports", "Performance",
                "Operations", "SecurityOperations",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/pages"), .copy("Resources/i18n")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hues",
            dependencies: [
                "App", "Platform", "Identity", "Catalog", "Signatures", "Payments", "FieldReports", "SecurityOperations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "HuesBench",
            dependencies: [
                "App",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/HuesBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "DossierBench",
            dependencies: ["App", "Platform", "Identity", "PublicServices", "Workflow", .product(name: "FluentKit", package: "fluent-kit")],
            path: "Benchmarks/DossierBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SignatureBench",
            dependencies: ["App", "Platform", "Signatures", .product(name: "Crypto", package: "swift-crypto")],
            path: "Benchmarks/SignatureBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PaymentBench",
            dependencies: ["App", "Platform", "Payments", "Identity", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "FluentKit", package: "fluent-kit")],
            path: "Benchmarks/PaymentBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FieldReportBench",
            dependencies: ["App", "Platform", "FieldReports", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/FieldReportBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PerformanceBench",
            dependencies: ["App", "Platform", "Performance", .product(name: "FluentKit", package: "fluent-kit")],
            path: "Benchmarks/PerformanceBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "IOCBench",
            dependencies: ["App", "Platform", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "Subprocess", package: "swift-subprocess"), .product(name: "SystemPackage", package: "swift-system")],
            path: "Benchmarks/IOCBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SOCBench",
            dependencies: ["SecurityOperations", "Platform"],
            path: "Benchmarks/SOCBench",
            swiftSettings: swiftSettings
        ),
        // Fuzz targets for every parser of outside bytes (fuzz/run builds them with libFuzzer); swift test replays their corpus.
        .target(
            name: "HuesFuzzTargets",
            dependencies: ["Platform", "Web", "Identity", "Catalog", "Notices", "Workflow", "PublicServices", "Signatures", "Payments", "FieldReports", "Performance",
                           "Operations", "SecurityOperations"],
            path: "fuzz/HuesFuzzTargets",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "HuesFuzz",
            dependencies: ["HuesFuzzTargets"],
            path: "fuzz/HuesFuzz",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HuesTestSupport",
            dependencies: ["Platform", .product(name: "FluentKit", package: "fluent-kit")],
            path: "Tests/HuesTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlatformTests",
            dependencies: ["Platform", "HuesTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkflowTests",
            dependencies: ["Workflow", "Platform", "HuesTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IdentityTests",
            dependencies: ["Identity", "Platform", "HuesTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SignaturesTests",
            dependencies: ["Signatures", "QRCode", "Documents", "Platform", "HuesTestSupport", .product(name: "X509", package: "swift-certificates")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PaymentsTests",
            dependencies: ["Payments", "Platform", "QRCode", "HuesTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FieldReportsTests",
            dependencies: ["FieldReports", "Platform", "HuesTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PublicServicesTests",
            dependencies: ["PublicServices", "Workflow", "Platform", "HuesTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PerformanceTests",
            // The modules whose manifests contribute the indicators, so tests score with the very set the city runs.
            dependencies: ["Performance", "Platform", "PublicServices", "FieldReports", "Payments", "HuesTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OperationsTests",
            dependencies: ["Operations", "Platform", "HuesTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SecurityOperationsTests",
            dependencies: ["SecurityOperations"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NoticesTests",
            dependencies: ["Notices", "Platform"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CatalogTests",
            dependencies: ["Catalog", "Platform"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "QRCodeTests",
            dependencies: ["QRCode", "HuesTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DocumentsTests",
            dependencies: ["Documents", "QRCode", "HuesTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App", "Platform", "Identity", "Catalog", "Notices", "Workflow", "PublicServices", "Signatures", "Payments", "FieldReports", "Performance",
                "Operations", "SecurityOperations", "HuesTestSupport", "hues", "HuesFuzzTargets",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
