import FieldReports
import Foundation
import Logging

/// The demo city's field-report history: a few thousand past reports over Hue's wards and the last four months.
enum DemoFieldReports {
    static let count = 2400

    static func seed(_ runtime: HuesRuntime) async throws -> [String] {
        guard let module = runtime.fieldReports else { return [] }
        let logger = Logger(label: "hues.demo.field-reports")
        var reporters: [(id: String, name: String)] = []
        for username in ["citizen", "business"] {
            if let account = try await runtime.identity.accounts.find(username: username, logger: logger) {
                reporters.append((account.id.uuidString, account.displayName))
            }
        }
        let started = Date()
        guard let summary = try await module.reports.seedDemoHistory(count: count, reporters: reporters, logger: logger) else {
            return ["field reports: demo history already there"]
        }
        let states = summary.byState.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return ["field reports: \(summary.created) demo reports (\(states)) in \(Int(Date().timeIntervalSince(started))) s"]
    }
}
