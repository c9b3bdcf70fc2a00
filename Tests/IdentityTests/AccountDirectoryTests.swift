import Foundation
import HuesTestSupport
import Identity
import Logging
import Platform
import Testing

@Suite struct AccountDirectoryTests {
    let logger = Logger(label: "test")

    func withIdentity(_ body: (IdentityModule, PlatformDatabase) async throws -> Void) async throws {
        try await TestDatabase.usingPlatformDatabase { database, test in
            let identity = try await IdentityModule(context: .testing(database: database, folder: test.folder, location: test.location), renderer: nil)
            try await database.migrate(EventLog.migrations() + identity.migrations, logger: logger)
            try await identity.syncProfile(try CityProfile.demo(), database: database)
            try await identity.tokens.prepare(logger: logger)
            try await body(identity, database)
        }
    }

    @Test func everyInvalidFieldIsReportedTogether() async throws {
        try await withIdentity { identity, _ in
            let bad = NewAccount(username: "x", displayName: " ", password: "short", email: "not-an-email", phone: "12ab", kind: .citizen,
                                 roles: [RoleGrant(role: .admin)])
            do {
                _ = try await identity.accounts.create(bad, by: .system, logger: logger)
                Issue.record("accepted an invalid account")
            } catch let problem as Problem {
                #expect(problem.status == .badRequest)
                #expect(Set(problem.errors.map(\.field)) == ["username", "displayName", "password", "email", "phone", "roles[0]"])
            }
        }
    }

    @Test func staffRolesMustNameAnExistingUnit() async throws {
        try await withIdentity { identity, _ in
            let officer = NewAccount(username: "an.nguyen", displayName: "Nguyễn An", password: "a-long-password", kind: .staff,
                                     roles: [RoleGrant(role: .officer), RoleGrant(role: .unitLeader, unitCode: "phuong-khong-ton-tai")])
            await #expect(throws: Problem.self) { try await identity.accounts.create(officer, by: .system, logger: logger) }
            var valid = officer
            valid.roles = [RoleGrant(role: .officer, unitCode: "phuong-vy-da")]
            let account = try await identity.accounts.create(valid, by: .system, logger: logger)
            #expect(account.roles == [RoleGrant(role: .officer, unitCode: "phuong-vy-da")])
            await #expect(throws: Problem.self) { try await identity.accounts.create(valid, by: .system, logger: logger) }
        }
    }

    @Test func repeatedFailuresLockTheAccountForAWhile() async throws {
        try await withIdentity { identity, database in
            _ = try await identity.accounts.create(
                NewAccount(username: "hoa", displayName: "Hoa", password: "correct-horse-battery", kind: .citizen), by: .system, logger: logger)
            for _ in 1...4 {
                await #expect(throws: AccountDirectory.SignInError.invalidCredentials) {
                    try await identity.accounts.authenticate(username: "hoa", password: "wrong-password", logger: logger)
                }
            }
            do {
                _ = try await identity.accounts.authenticate(username: "hoa", password: "wrong-password", logger: logger)
                Issue.record("fifth failure did not lock")
            } catch AccountDirectory.SignInError.locked(let until) {
                #expect(until.timeIntervalSinceNow > 14 * 60 && until.timeIntervalSinceNow <= 15 * 60)
            }
            // Locked means locked, even with the right password…
            await #expect(throws: AccountDirectory.SignInError.self) {
                try await identity.accounts.authenticate(username: "hoa", password: "correct-horse-battery", logger: logger)
            }
            // …until an administrator re-enables the account.
            let account = try #require(try await identity.accounts.find(username: "hoa", logger: logger))
            _ = try await identity.accounts.setStatus(of: account.id, to: .active, by: .system, logger: logger)
            #expect(try await identity.accounts.authenticate(username: "hoa", password: "correct-horse-battery", logger: logger).username == "hoa")
            let events = try await EventLog.read(after: 0, limit: 100, on: try database.db(logger: logger)).map(\.type)
            #expect(events.filter { $0 == "identity.sign-in.failed" }.count == 4)
            #expect(events.contains("identity.account.locked"))
        }
    }

    @Test func aReusedRefreshTokenRevokesItsWholeFamily() async throws {
        try await withIdentity { identity, database in
            let account = try await identity.accounts.create(
                NewAccount(username: "lan", displayName: "Lan", password: "correct-horse-battery", kind: .citizen), by: .system, logger: logger)
            let first = try await identity.refreshTokens.start(for: account, logger: logger)
            let second = try await identity.refreshTokens.rotate(first, logger: logger).token
            // An attacker replays the first token: refused, and the legitimate second token dies with it.
            await #expect(throws: RefreshTokens.RotationError.reused) { try await identity.refreshTokens.rotate(first, logger: logger) }
            await #expect(throws: RefreshTokens.RotationError.invalid) { try await identity.refreshTokens.rotate(second, logger: logger) }
            await #expect(throws: RefreshTokens.RotationError.invalid) { try await identity.refreshTokens.rotate("made-up", logger: logger) }
            let events = try await EventLog.read(after: 0, limit: 100, on: try database.db(logger: logger)).map(\.type)
            #expect(events.contains("identity.refresh-token.reuse-detected"))
        }
    }

    @Test func disablingEndsRefreshTokensAndSignIn() async throws {
        try await withIdentity { identity, _ in
            let account = try await identity.accounts.create(
                NewAccount(username: "minh", displayName: "Minh", password: "correct-horse-battery", kind: .citizen), by: .system, logger: logger)
            let refresh = try await identity.refreshTokens.start(for: account, logger: logger)
            let access = try await identity.tokens.issue(for: account).token
            #expect(try await identity.tokens.verify(access, logger: logger).accountID == account.id.uuidString)
            _ = try await identity.accounts.setStatus(of: account.id, to: .disabled, by: .system, logger: logger)
            // The access token issued before stops at once, though it has not expired.
            await #expect(throws: Problem.self) { try await identity.tokens.verify(access, logger: logger) }
            await #expect(throws: RefreshTokens.RotationError.invalid) { try await identity.refreshTokens.rotate(refresh, logger: logger) }
            await #expect(throws: AccountDirectory.SignInError.disabled) {
                try await identity.accounts.authenticate(username: "minh", password: "correct-horse-battery", logger: logger)
            }
        }
    }

    @Test func accessTokensCarryRolesAndRejectTampering() async throws {
        try await withIdentity { identity, _ in
            let account = try await identity.accounts.create(
                NewAccount(username: "tuan", displayName: "Tuấn", password: "correct-horse-battery", kind: .staff,
                           roles: [RoleGrant(role: .socAnalyst, unitCode: "trung-tam-cntt")]), by: .system, logger: logger)
            let issued = try await identity.tokens.issue(for: account)
            let principal = try await identity.tokens.verify(issued.token, logger: logger)
            #expect(principal.grants == [RoleGrant(role: .socAnalyst, unitCode: "trung-tam-cntt")])
            #expect(principal.has(.socAnalyst, in: "trung-tam-cntt"))
            #expect(!principal.has(.socAnalyst, in: "phuong-phu-xuan"))
            var parts = issued.token.split(separator: ".").map(String.init)
            let forgedClaims = Data(#"{"sub":"\#(account.id)","roles":["admin"],"aud":["hues-api"],"exp":4102444800}"#.utf8).base64URLEncoded
            parts[1] = forgedClaims
            await #expect(throws: Problem.self) { try await identity.tokens.verify(parts.joined(separator: "."), logger: logger) }
        }
    }
}
