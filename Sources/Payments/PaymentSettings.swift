import Foundation
import Platform

/// The city's payment setup from `payments.json`: which account collects each unit's money, who does finance.
public struct PaymentSettings: Sendable {
    public struct CollectionAccount: Codable, Sendable, Equatable {
        public var unit: String?
        public var bankBin: String
        public var accountNumber: String
        public var accountName: String
    }

    struct File: Codable {
        var financeUnit: String
        var merchantCity: String?
        var intentLifetimeMinutes: Int?
        var defaultAccount: CollectionAccount
        var accounts: [CollectionAccount]?
    }

    /// The department whose staff see every unit's payments and import bank statements.
    public var financeUnit: String
    public var merchantCity: String
    public var intentLifetime: TimeInterval
    public var defaultAccount: CollectionAccount
    public var accounts: [String: CollectionAccount]

    public init(financeUnit: String, merchantCity: String = "Hue", intentLifetime: TimeInterval = 900, defaultAccount: CollectionAccount,
                accounts: [String: CollectionAccount] = [:]) {
        self.financeUnit = financeUnit
        self.merchantCity = merchantCity
        self.intentLifetime = intentLifetime
        self.defaultAccount = defaultAccount
        self.accounts = accounts
    }

    /// Reads and checks `payments.json`; a city without one collects everything into a placeholder treasury account.
    public static func load(from profile: CityProfile) throws -> PaymentSettings {
        let treasury = CollectionAccount(unit: nil, bankBin: "970415", accountNumber: "0000000000", accountName: "KHO BAC NHA NUOC")
        guard let file = try profile.decodeFile("payments.json", as: File.self) else {
            let root = profile.units.first { $0.parent == nil }?.code ?? profile.city.code
            return PaymentSettings(financeUnit: root, defaultAccount: treasury)
        }
        var problems: [ConfigProblem] = []
        let units = Set(profile.units.map(\.code))
        if !units.contains(file.financeUnit) { problems.append(.init(key: "payments.json", message: "financeUnit '\(file.financeUnit)' is not a unit")) }
        var accounts: [String: CollectionAccount] = [:]
        for account in [file.defaultAccount] + (file.accounts ?? []) {
            let probe = VietQR(bankBIN: account.bankBin, accountNumber: account.accountNumber)
            if let error = (Result { try probe.payload() }).failure {
                problems.append(.init(key: "payments.json", message: "account of '\(account.unit ?? "default")': \(error)"))
            }
            if let unit = account.unit {
                if !units.contains(unit) { problems.append(.init(key: "payments.json", message: "account for unknown unit '\(unit)'")) }
                accounts[unit] = account
            }
        }
        let minutes = file.intentLifetimeMinutes ?? 15
        if !(1...1440).contains(minutes) { problems.append(.init(key: "payments.json", message: "intentLifetimeMinutes is 1 to 1440")) }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return PaymentSettings(financeUnit: file.financeUnit, merchantCity: file.merchantCity ?? profile.city.name, intentLifetime: TimeInterval(minutes * 60),
                               defaultAccount: file.defaultAccount, accounts: accounts)
    }

    /// Where a unit's payers send money.
    public func account(for unit: String) -> CollectionAccount { accounts[unit] ?? defaultAccount }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
