import App
import ArgumentParser
import Foundation
import Identity
import Platform

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage accounts.",
        subcommands: [Create.self, List.self, SetRole.self, Disable.self, Enable.self]
    )

    /// Parses `role` or `role@unit`, e.g. `officer@phuong-phu-xuan`.
    static func grant(_ text: String) throws -> RoleGrant {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        guard let role = Role(rawValue: parts[0]) else {
            throw ValidationError("unknown role '\(parts[0])'; roles: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return RoleGrant(role: role, unitCode: parts.count > 1 ? parts[1] : nil)
    }

    static func describe(_ account: Account) -> String {
        let roles = account.roles.map(\.claim).joined(separator: ",")
        return "\(account.username)\t\(account.kind.rawValue)\t\(account.status.rawValue)\t\(roles.isEmpty ? "-" : roles)\t\(account.displayName)"
    }

    /// Prints field errors one per line, the way `config check` prints problems.
    static func report(_ problem: Problem) -> ExitCode {
        standardError("error: \(problem.detail)")
        for error in problem.errors { standardError("  - \(error.field): \(error.message)") }
        return problem.status == .conflict ? ExitCode(65) : ExitCode.failure
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open an account.")

        @Option(help: "Login name (3-64 characters).") var username: String
        @Option(name: .customLong("name"), help: "Full name as shown to others.") var displayName: String
        @Option(help: "citizen, business or staff.") var kind: String = "citizen"
        @Option(name: .customLong("role"), help: "A role, or role@unit for staff roles (repeatable).") var roles: [String] = []
        @Option(help: "Email address.") var email: String?
        @Option(help: "Phone number.") var phone: String?
        @Flag(help: "Read the password from standard input instead of HUES_NEW_PASSWORD.") var passwordStdin = false

        func run() async throws {
            guard let accountKind = AccountKind(rawValue: kind) else { throw ValidationError("kind must be citizen, business or staff") }
            let grants = try roles.map(UserCommand.grant)
            let password: String
            if passwordStdin {
                password = readLine(strippingNewline: true) ?? ""
            } else if let fromEnvironment = ProcessInfo.processInfo.environment["HUES_NEW_PASSWORD"] {
                password = fromEnvironment
            } else {
                throw ValidationError("give the password on standard input with --password-stdin, or in HUES_NEW_PASSWORD")
            }
            let configuration = try loadConfiguration()
            try await withRuntime(configuration) { runtime in
                do {
                    let account = try await runtime.identity.accounts.create(
                        NewAccount(username: username, displayName: displayName, password: password, email: email, phone: phone, kind: accountKind,
                                   roles: grants.isEmpty ? nil : grants),
                        by: .commandLine(), logger: runtime.logger)
                    say("created \(UserCommand.describe(account))")
                } catch let problem as Problem {
                    throw UserCommand.report(problem)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts (username, kind, status, roles, name).")

        @Option(help: "Only accounts whose username or name contains this.") var search: String?
        @Option(help: "How many to show.") var limit: Int = 100

        func run() async throws {
            let configuration = try loadConfiguration()
            try await withRuntime(configuration) { runtime in
                let result = try await runtime.identity.accounts.list(search: search, paging: Paging(limit: limit), logger: runtime.logger)
                for account in result.accounts { say(UserCommand.describe(account)) }
                if result.total > result.accounts.count { say("… \(result.total - result.accounts.count) more (use --limit)") }
            }
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Replace an account's roles.")

        @Argument(help: "The account's username.") var username: String
        @Option(name: .customLong("role"), help: "A role, or role@unit (repeatable; none removes all roles).") var roles: [String] = []

        func run() async throws {
            let grants = try roles.map(UserCommand.grant)
            let configuration = try loadConfiguration()
            try await withRuntime(configuration) { runtime in
                guard let account = try await runtime.identity.accounts.find(username: username, logger: runtime.logger) else {
                    standardError("error: no account named '\(username)'")
                    throw ExitCode.failure
                }
                do {
                    let updated = try await runtime.identity.accounts.setRoles(of: account.id, to: grants, by: .commandLine(), logger: runtime.logger)
                    say("updated \(UserCommand.describe(updated))")
                } catch let problem as Problem {
                    throw UserCommand.report(problem)
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account and end its sessions.")
        @Argument(help: "The account's username.") var username: String

        func run() async throws { try await UserCommand.setStatus(username, .disabled) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable an account and clear its lockout.")
        @Argument(help: "The account's username.") var username: String

        func run() async throws { try await UserCommand.setStatus(username, .active) }
    }

    static func setStatus(_ username: String, _ status: AccountStatus) async throws {
        let configuration = try loadConfiguration()
        try await withRuntime(configuration) { runtime in
            guard let account = try await runtime.identity.accounts.find(username: username, logger: runtime.logger) else {
                standardError("error: no account named '\(username)'")
                throw ExitCode.failure
            }
            let updated = try await runtime.identity.accounts.setStatus(of: account.id, to: status, by: .commandLine(), logger: runtime.logger)
            say("\(status == .disabled ? "disabled" : "enabled") \(UserCommand.describe(updated))")
        }
    }
}
