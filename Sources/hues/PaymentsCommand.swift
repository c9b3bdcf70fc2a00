import App
import ArgumentParser
import Crypto
import Foundation
import Logging
import Payments
import Platform

struct PaymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Cashless payments: reconcile bank statements, check the ledger, decode VietQR payloads, expire what is overdue.",
        subcommands: [Reconcile.self, TrialBalance.self, DecodeQR.self, Sweep.self, SimulateBank.self]
    )

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match a bank statement (CSV: transaction_id,booked_at,amount,description) against the ledger.",
            discussion: "Exit status 0 when every line matched, 1 when there are differences or malformed lines (each is listed).")
        @Argument(help: "The statement file.") var file: String
        @Option(help: "The unit whose collection account the statement is for (default: the whole city).") var unit: String?
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file), let text = String(validating: data, as: UTF8.self) else {
                standardError("error: cannot read \(file) as UTF-8 text")
                throw ExitStatus.dataError
            }
            let clean = try await withRuntime(try loadConfiguration()) { runtime -> Bool in
                let report = try await (try runtime.require(PaymentsModule.self)).payments.reconcile(text, fileName: (file as NSString).lastPathComponent, unit: unit, by: "cli",
                                                                           logger: runtime.logger)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    encoder.dateEncodingStrategy = .iso8601
                    say(String(decoding: try encoder.encode(report), as: UTF8.self))
                } else {
                    say("matched \(report.matched.count), amount mismatches \(report.amountMismatches.count), missing in the ledger \(report.missingInLedger.count), "
                        + "missing in the statement \(report.missingInStatement.count), malformed lines \(report.malformed.count)")
                    for line in report.malformed { say("line \(line.line): malformed: \(line.reason)") }
                    for line in report.amountMismatches {
                        say("line \(line.line ?? 0): \(line.transactionId): statement \(line.statementAmount ?? 0) ≠ ledger \(line.ledgerAmount ?? 0)")
                    }
                    for line in report.missingInLedger { say("line \(line.line ?? 0): \(line.transactionId) \(line.statementAmount ?? 0): not in the ledger") }
                    for line in report.missingInStatement { say("\(line.transactionId) \(line.ledgerAmount ?? 0): in the ledger, not on the statement") }
                }
                return report.isClean
            }
            if !clean { throw ExitCode.failure }
        }
    }

    struct TrialBalance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "trial-balance", abstract: "Check that every ledger transaction and the whole journal balance.")

        func run() async throws {
            let balanced = try await withRuntime(try loadConfiguration()) { runtime -> Bool in
                let books = try await Ledger.trialBalance(on: try runtime.database.sql(logger: runtime.logger))
                say("entries \(books.entries), total \(books.total), unbalanced transactions \(books.unbalancedTransactions), "
                    + "running balances \(books.balancesAgree ? "agree" : "DISAGREE")")
                return books.isBalanced
            }
            if !balanced { throw ExitStatus.dataError }
        }
    }

    struct DecodeQR: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "decode-qr", abstract: "Parse and check a VietQR payload.")
        @Argument(help: "The payload, as a QR reader prints it.") var payload: String

        func run() throws {
            do {
                let qr = try VietQR.decode(payload)
                say("bank BIN \(qr.bankBIN), account \(qr.accountNumber), service \(qr.service.rawValue)")
                say("amount \(qr.amount.map { "\($0) VND" } ?? "none (static QR)"), purpose \(qr.purpose ?? "-")")
            } catch let error as VietQR.FormatError {
                standardError("error: not a valid VietQR: \(error.message)")
                throw ExitStatus.dataError
            }
        }
    }

    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Expire unpaid payment attempts and overdue invoices, and send due webhooks, once.")

        func run() async throws {
            try await withRuntime(try loadConfiguration()) { runtime in
                let expired = try await (try runtime.require(PaymentsModule.self)).payments.sweep(logger: runtime.logger)
                let sent = try await (try runtime.require(PaymentsModule.self)).webhooks.deliverDue(logger: runtime.logger)
                say("expired \(expired.intents) payment attempts and \(expired.invoices) invoices; attempted \(sent) webhooks")
            }
        }
    }

    struct SimulateBank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "simulate-bank",
            abstract: "Act as a payer's bank: pay a VietQR payload and post the signed confirmations to a server over HTTP.",
            discussion: "Signs with HUES_BANK_WEBHOOK_SECRET, or the key derived from this data directory's master key (the server's, when they share it).")
        @Argument(help: "The VietQR payload to pay.") var payload: String
        @Option(help: "The server's confirmation endpoint.") var url: String = "http://127.0.0.1:8080/api/v1/payments/bank/confirmations"
        @Option(help: "Final outcome: success, failed or error.") var outcome: String = "success"
        @Option(help: "Extra copies of the final confirmation.") var duplicates: Int = 0
        @Option(help: "Seconds between the pending notice and the confirmation.") var delay: Double = 0
        @Flag(help: "Send the confirmation before the pending notice.") var outOfOrder = false

        func run() async throws {
            guard let status = BankConfirmation.Status(rawValue: outcome), status != .pending else { throw ValidationError("outcome is success, failed or error") }
            let configuration = try loadConfiguration()
            let secret: SymmetricKey
            if let shared = configuration.bankWebhookSecret {
                secret = SymmetricKey(data: Data(shared.utf8))
            } else {
                secret = try SecretBox.masterKey(configuration: configuration).derivedKey(purpose: PaymentsModule.bankSecretPurpose)
            }
            let bank = BankSimulator(secret: secret, channel: HTTPConfirmationChannel(url: url))
            let receipt: BankSimulator.Receipt
            do {
                receipt = try await bank.pay(BankSimulator.Order(payload: payload, outcome: status, duplicates: duplicates, delaySeconds: delay,
                                                                 outOfOrder: outOfOrder), wait: true, logger: Logger(label: "hues.bank-simulator"))
            } catch let problem as Problem {
                throw UserCommand.report(problem)
            }
            say("paid \(receipt.amount) VND, transaction \(receipt.transactionId), purpose \"\(receipt.purpose)\"")
            for answer in receipt.answers ?? [] { say("  \(answer)") }
            if (receipt.answers ?? []).contains(where: { !$0.hasPrefix("200") }) { throw ExitCode.failure }
        }
    }
}
