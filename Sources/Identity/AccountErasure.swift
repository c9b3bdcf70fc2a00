import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

extension AccountDirectory {
    /// Closes a citizen's or business's account for good at their request: the name, contact, password, sign-ins,
    /// consents and national-identity link are erased; the row stays, renamed, so records the law keeps (dossiers,
    /// payments) still point somewhere that says "erased". Staff accounts are closed by an administrator instead.
    public func erase(_ id: UUID, logger: Logger) async throws -> ErasureReport {
        // A real hash of a secret nobody keeps: sign-in attempts fail as for a wrong password, never as an error.
        let unusable = try await passwords.hash(TokenGenerator.make(bytes: 32))
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            // The whole id: unique by construction, and the prefix is reserved, so nobody registers a look-alike.
            let erasedName = "erased-" + id.uuidString.lowercased()
            let changed = try await sql.raw("""
                UPDATE accounts SET username = \(bind: erasedName), display_name = 'Tài khoản đã xóa', email = NULL, phone = NULL,
                    password_hash = \(bind: unusable), status = \(bind: AccountStatus.disabled.rawValue), updated_at = \(bind: Date())
                WHERE id = \(bind: id) RETURNING id
                """).all()
            guard !changed.isEmpty else { throw Problem.notFound("No such account.") }
            for statement: SQLQueryString in [
                "DELETE FROM web_sessions WHERE account_id = \(bind: id)", "DELETE FROM refresh_tokens WHERE account_id = \(bind: id)",
                "DELETE FROM oauth_consents WHERE account_id = \(bind: id)", "DELETE FROM upstream_identities WHERE account_id = \(bind: id)",
                "DELETE FROM account_roles WHERE account_id = \(bind: id)", "DELETE FROM oauth_codes WHERE account_id = \(bind: id)",
            ] { try await sql.raw(statement).run() }
            try await AccountRevocations.record(id, at: Date(), on: db)
            try await EventLog.append(DomainEvent(type: "identity.account.erased", actorName: "the account holder", subject: "account:\(id)"), on: db)
            return ErasureReport(erased: [ErasureLine("erasure_account"), ErasureLine("erasure_tokens")],
                                 kept: [ErasureLine("erasure_kept_account", ["name": erasedName]), ErasureLine("erasure_kept_event_log")])
        }
    }
}
