import Foundation
import Logging
import Platform

extension IdentityModule {
    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "accounts", columns: ["display_name", "email", "phone"], category: "name and contact",
                           purpose: "signing in to every city service; reaching the person about their dossiers and reports", basis: .service,
                           retention: "while the account is open"),
         PersonalDataField(table: "accounts", columns: ["password_hash"], category: "credential", purpose: "checking the password at sign-in",
                           basis: .service, retention: "while the account is open (a bcrypt hash, never the password)"),
         PersonalDataField(table: "upstream_identities", columns: ["subject", "level"], kind: .sensitive, category: "national identity",
                           purpose: "signing in through the national identity provider (VNeID) at assurance level 2", basis: .consent,
                           retention: "until the person unlinks it or closes the account"),
         PersonalDataField(table: "web_sessions", columns: ["account_id", "created_at"], category: "device and sign-in",
                           purpose: "keeping the person signed in", basis: .service, retention: "until sign-out or the session's expiry"),
         PersonalDataField(table: "oauth_consents", columns: ["account_id", "client_id", "scope"], category: "consent record",
                           purpose: "which city services the person allowed to use their account", basis: .consent,
                           retention: "until the person withdraws it"),
         PersonalDataField(table: "account_revocations", columns: ["account_id", "revoked_at_ms"], category: "account status",
                           purpose: "refusing tokens issued before an account was disabled or erased", basis: .service,
                           retention: "two days (longer than any access token lives)")]
    }

    public var personalDataSource: (any PersonalDataSource)? { IdentityPersonalData(accounts: accounts) }
}

struct IdentityPersonalData: PersonalDataSource {
    let accounts: AccountDirectory

    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable {
        guard let id = UUID(uuidString: principal.accountID), let account = try await accounts.find(id: id, logger: logger) else {
            throw Problem.notFound("No such account.")
        }
        return account
    }

    func erase(accountID: String, logger: Logger) async throws -> ErasureReport {
        guard let id = UUID(uuidString: accountID) else { throw Problem.notFound("No such account.") }
        return try await accounts.erase(id, logger: logger)
    }
}
