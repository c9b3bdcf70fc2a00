import Foundation
import Logging
import Platform
import SQLKit

/// A database of its own for one test: a SQLite file in a fresh folder, or, when `HUES_TEST_DATABASE_URL` names a
/// PostgreSQL server (CI does this), a freshly created database on it. Tests run in parallel and never share rows.
public struct TestDatabase: Sendable {
    public let location: DatabaseLocation
    public let folder: String
    let adminURL: String?
    let name: String?

    public static var postgresAdminURL: String? {
        ProcessInfo.processInfo.environment["HUES_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static func make() async throws -> TestDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-test-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard let admin = postgresAdminURL else {
            return TestDatabase(location: .sqlite(path: folder + "/hues.sqlite"), folder: folder, adminURL: nil, name: nil)
        }
        let name = "hues_t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try await run("CREATE DATABASE \(name)", adminURL: admin)
        var components = URLComponents(string: admin)!
        components.path = "/" + name
        return TestDatabase(location: .postgres(url: components.string!), folder: folder, adminURL: admin, name: name)
    }

    /// Runs `body` with a fresh database and removes it afterwards, whether the body succeeded or not.
    public static func using<T>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let test = try await make()
        do {
            let result = try await body(test)
            await test.drop()
            return result
        } catch {
            await test.drop()
            throw error
        }
    }

    /// The same with an open `PlatformDatabase` on it, closed afterwards.
    public static func usingPlatformDatabase<T>(_ body: (PlatformDatabase, TestDatabase) async throws -> T) async throws -> T {
        try await using { test in
            let database = try PlatformDatabase(location: test.location)
            do {
                let result = try await body(database, test)
                await database.shutdown()
                return result
            } catch {
                await database.shutdown()
                throw error
            }
        }
    }

    public func drop() async {
        if let adminURL, let name { try? await Self.run("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", adminURL: adminURL) }
        try? FileManager.default.removeItem(atPath: folder)
    }

    static func run(_ statement: String, adminURL: String) async throws {
        let admin = try PlatformDatabase(location: .postgres(url: adminURL))
        do {
            try await admin.sql(logger: Logger(label: "test")).raw(SQLQueryString(statement)).run()
            await admin.shutdown()
        } catch {
            await admin.shutdown()
            throw error
        }
    }
}

extension ModuleContext {
    /// A context for building one module on its own in a test: the demo city, a test configuration, a fixed key.
    public static func testing(database: PlatformDatabase, folder: String, location: DatabaseLocation) throws -> ModuleContext {
        let configuration = HuesConfiguration.testing(dataDirectory: folder, database: location)
        return ModuleContext(configuration: configuration, profile: try CityProfile.demo(), database: database,
                             secrets: try SecretBox.masterKey(configuration: configuration))
    }
}
