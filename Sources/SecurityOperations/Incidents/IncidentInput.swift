import Foundation
import Logging
import Platform

/// What analysts type about an incident (a closing reason, a note, an assignee's username), checked the same way
/// whether it comes as JSON from the API or from the console's forms.
enum IncidentInput {
    static func closeReason(_ raw: String) throws -> String {
        let reason = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (3...500).contains(reason.count), reason.utf8.count <= 2_000, !hasControl(reason, allowingNewlines: true) else {
            throw Problem.unprocessable([.init(field: "reason", message: "3 to 500 characters saying why it is closed")])
        }
        return reason
    }

    static func note(_ raw: String) throws -> String {
        let body = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...4_000).contains(body.utf8.count), !hasControl(body, allowingNewlines: true) else {
            throw Problem.unprocessable([.init(field: "body", message: "1 to 4,000 characters")])
        }
        return body
    }

    /// The account id of the SOC analyst with this username.
    static func assignee(_ username: String, staff: (any StaffDirectory)?, access: SecurityAccess, logger: Logger) async throws -> String {
        guard username.utf8.count <= 100, !hasControl(username, allowingNewlines: false),
              let profile = try await staff?.profile(username: username, logger: logger),
              access.securityUnit.map({ profile.grants.has(.socAnalyst, in: $0) }) == true else {
            throw Problem.unprocessable([.init(field: "assignee", message: "the username of a SOC analyst")])
        }
        return profile.accountID
    }

    static func hasControl(_ text: String, allowingNewlines: Bool) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && !(allowingNewlines && $0 == "\n")) || $0.value == 0x7F }
    }
}
