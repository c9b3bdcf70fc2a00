import Foundation
import HuesTestSupport
import Logging
import Platform
import SQLKit
import Testing

/// The `hues` CLI as a sysadmin uses it: real processes, real exit codes, messages that name the problem.
@Suite struct CommandLineTests {
    struct Outcome {
        var status: Int32
        var output: String
    }

    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hues")
    }

    /// The environment a CLI process needs to use a test's database and data folder.
    func cliEnvironment(_ test: TestDatabase) -> [String: String] {
        let url: String = switch test.location {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): url
        case .sqliteInMemory: "sqlite::memory:"
        }
        return ["HUES_DATA_DIR": test.folder, "HUES_DATABASE_URL": url, "HUES_PASSWORD_HASH_COST": "4"]
    }

    /// Runs the `hues` binary on a thread of its own (see `ExternalTool.offTheTaskPool`).
    func hues(_ arguments: [String], environment: [String: String], input: String? = nil) async throws -> Outcome {
        try await ExternalTool.offTheTaskPool { try Self.huesWaiting(arguments, environment: environment, input: input) }
    }

    static func huesWaiting(_ arguments: [String], environment: [String: String], input: String?) throws -> Outcome {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HUES_") }
        env.merge(environment) { $1 }
        env["HUES_LOG_LEVEL"] = env["HUES_LOG_LEVEL"] ?? "error"
        // Input from a file, not a pipe: a command that exits before reading it must not kill the test run with SIGPIPE.
        let inputPath = FileManager.default.temporaryDirectory.appendingPathComponent("hues-cli-input-\(UUID().uuidString)").path
        try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: inputPath))
        defer { try? FileManager.default.removeItem(atPath: inputPath) }
        let stdin = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
        defer { try? stdin.close() }
        let output = Pipe()
        let child = try ChildProcess.start(Self.binary.path, arguments, environment: env, input: stdin.fileDescriptor,
                                           output: output.fileHandleForWriting.fileDescriptor, error: output.fileHandleForWriting.fileDescriptor)
        try output.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let status = child.waitUntilExit()
        return Outcome(status: status, output: String(decoding: data, as: UTF8.self))
    }

    @Test func everyCommandHasHelp() async throws {
        for command in [[], ["serve"], ["migrate"], ["demo"], ["user"], ["user", "create"], ["user", "list"], ["user", "set-role"],
                        ["user", "disable"], ["service", "register"], ["service", "edit"], ["service", "rotate-secret"], ["keys", "rotate"],
                        ["audit", "verify"], ["performance"], ["performance", "rebuild"], ["performance", "catch-up"], ["config", "check"], ["ca", "init"], ["ca", "issue"], ["ca", "revoke"], ["ca", "renew"], ["ca", "list"],
                        ["ca", "export"]] {
            let outcome = try await hues(command + ["--help"], environment: [:])
            #expect(outcome.status == 0, "\(command)")
            #expect(outcome.output.contains("USAGE"), "\(command)")
        }
    }

    @Test func configCheckListsEveryProblem() async throws {
        let outcome = try await hues(["config", "check"], environment: ["HUES_MODE": "production", "HUES_PORT": "http", "HUES_DATABASE_URL": "oracle://x"])
        #expect(outcome.status == 78)
        for key in ["HUES_PORT", "HUES_DATABASE_URL", "HUES_MASTER_KEY", "HUES_PUBLIC_URL"] {
            #expect(outcome.output.contains(key), "\(key) missing from: \(outcome.output)")
        }
        let fine = try await hues(["config", "check"], environment: ["HUES_DATA_DIR": FileManager.default.temporaryDirectory.path])
        #expect(fine.status == 0, "\(fine.output)")
    }

    @Test func accountsFromTheCommandLineAndTheAuditTrail() async throws {
        try await TestDatabase.using { try await userLifecycle($0) }
    }

    func userLifecycle(_ test: TestDatabase) async throws {
        let environment = cliEnvironment(test)

        let migrated = try await hues(["migrate"], environment: environment)
        #expect(migrated.status == 0, "\(migrated.output)")
        let demo = try await hues(["demo"], environment: environment)
        #expect(demo.output.contains("officer    demo-officer-2026"))
        // The demo's history is in the event log; the projection is built from it, and a second round finds nothing new.
        let rebuilt = try await hues(["performance", "rebuild"], environment: environment)
        #expect(rebuilt.status == 0 && rebuilt.output.contains("rebuilt from ") && !rebuilt.output.contains("rebuilt from 0 events"), "\(rebuilt.output)")
        #expect(try await hues(["performance", "catch-up"], environment: environment).output.contains("applied 0 events"))

        let created = try await hues(["user", "create", "--username", "thu.le", "--name", "Lê Thị Thu", "--kind", "staff", "--role", "officer@phuong-vy-da",
                                "--password-stdin"], environment: environment, input: "a-long-password\n")
        #expect(created.status == 0, "\(created.output)")
        let badRole = try await hues(["user", "set-role", "thu.le", "--role", "officer@nowhere"], environment: environment)
        #expect(badRole.status != 0)
        #expect(badRole.output.contains("unknown unit 'nowhere'"))
        #expect(try await hues(["user", "set-role", "thu.le", "--role", "unit_leader@phuong-vy-da"], environment: environment).status == 0)
        #expect(try await hues(["user", "disable", "thu.le"], environment: environment).status == 0)
        let listed = try await hues(["user", "list", "--search", "thu"], environment: environment)
        #expect(listed.output.contains("thu.le\tstaff\tdisabled\tunit_leader@phuong-vy-da\tLê Thị Thu"))

        let service = try await hues(["service", "register", "--code", "ve-thuyen-rong", "--name", "Vé thuyền rồng", "--category", "tourism-heritage",
                                "--unit", "so-du-lich", "--launch-url", "https://thuyenrong.example/", "--redirect-uri",
                                "https://thuyenrong.example/cb"], environment: environment)
        #expect(service.status == 0, "\(service.output)")
        #expect(service.output.contains("client_secret "))
        let edited = try await hues(["service", "edit", "ve-thuyen-rong", "--status", "maintenance"], environment: environment)
        #expect(edited.output.contains("updated ve-thuyen-rong\tmaintenance"), "\(edited.output)")
        #expect(try await hues(["service", "list", "--search", "thuyen"], environment: environment).output.contains("ve-thuyen-rong\ttourism-heritage\tmaintenance"))
        #expect(try await hues(["keys", "rotate"], environment: environment).output.contains("now signing with key"))

        // The CA: `demo` created it and gave the demo officers certificates; issue, revoke and export from the shell.
        #expect(try await hues(["ca", "init"], environment: environment).output.contains("root "))
        let issued = try await hues(["ca", "issue", "--officer", "officer", "--algorithm", "rsa-2048", "--days", "30"], environment: environment)
        #expect(issued.status == 0, "\(issued.output)")
        let serial = try #require(issued.output.split(separator: " ").dropFirst().first.map(String.init))
        #expect(issued.output.contains("Trần Văn Minh (phuong-phu-xuan)"))
        let notStaff = try await hues(["ca", "issue", "--officer", "citizen"], environment: environment)
        #expect(notStaff.status != 0)
        #expect(try await hues(["ca", "revoke", serial, "--reason", "key-compromise"], environment: environment).status == 0)
        let again = try await hues(["ca", "revoke", serial], environment: environment)
        #expect(again.status != 0)
        #expect(again.output.contains("already revoked"))
        #expect(try await hues(["ca", "list", "--unit", "phuong-phu-xuan"], environment: environment).output.contains("\(serial)\tsigning\trevoked\tofficer:"))
        #expect(try await hues(["ca", "export", "root"], environment: environment).output.hasPrefix("-----BEGIN CERTIFICATE-----"))

        let intact = try await hues(["audit", "verify"], environment: environment)
        #expect(intact.status == 0, "\(intact.output)")
        #expect(intact.output.contains("intact"))

        let database = try PlatformDatabase(location: test.location)
        try await database.sql(logger: Logger(label: "test")).raw("UPDATE event_log SET actor_name = 'someone else' WHERE seq = 3").run()
        await database.shutdown()
        let broken = try await hues(["audit", "verify"], environment: environment)
        #expect(broken.status == 65)
        #expect(broken.output.contains("BROKEN at entry 3"))
    }

    @Test func anUnreachableDatabaseIsNamed() async throws {
        let outcome = try await hues(["migrate"], environment: ["HUES_DATABASE_URL": "postgres://hues:x@127.0.0.1:1/hues",
                                                          "HUES_DATA_DIR": FileManager.default.temporaryDirectory.path])
        #expect(outcome.status == 69, "\(outcome.output)")
        #expect(outcome.output.contains("cannot reach the database"))
    }
}
