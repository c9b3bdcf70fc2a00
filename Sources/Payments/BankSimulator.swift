import Crypto
import Foundation
import Logging
import Platform

/// Where the simulated bank sends its confirmations.
public protocol ConfirmationChannel: Sendable {
    /// Delivers one message; returns the platform's answer in a line ("200 applied", "401 …").
    func send(body: Data, signature: String) async throws -> String
}

/// Posts confirmations to the platform over HTTP, as a real bank would.
public struct HTTPConfirmationChannel: ConfirmationChannel {
    let url: String
    let http: HTTPWebhookTransport

    /// The operator points the demo bank at a server; it is their own tool, so any address is allowed.
    public init(url: String) {
        self.url = url
        self.http = HTTPWebhookTransport(policy: .unrestricted)
    }

    public func send(body: Data, signature: String) async throws -> String {
        let answer = try await http.exchange(url: url, headers: [("Content-Type", "application/json"), (BankConfirmations.signatureHeader, signature)],
                                             body: body)
        return "\(answer.status) \(answer.body)"
    }
}

/// Hands confirmations straight to the intake (tests, and demo servers that cannot reach their own public URL).
public struct DirectConfirmationChannel: ConfirmationChannel {
    let confirmations: BankConfirmations

    public init(confirmations: BankConfirmations) {
        self.confirmations = confirmations
    }

    public func send(body: Data, signature: String) async throws -> String {
        let outcome = try await confirmations.receive(body: body, signature: signature, logger: Logger(label: "hues.bank-simulator"))
        return "200 \(outcome.outcome.rawValue)\(outcome.reason.map { " " + $0 } ?? "")"
    }
}

/// A payer's bank for the demo: it "pays" a VietQR payload and tells the platform, the way real banks do it,
/// including their habits: a pending notice first, the confirmation sometimes twice, late or before the notice.
public struct BankSimulator: Sendable {
    public struct Order: Codable, Sendable {
        /// The VietQR payload the payer scanned.
        public var payload: String
        public var outcome: BankConfirmation.Status?
        /// Extra copies of the final confirmation.
        public var duplicates: Int?
        /// Seconds before the final confirmation.
        public var delaySeconds: Double?
        /// Send the final confirmation before the pending notice.
        public var outOfOrder: Bool?
        public var fee: Int?
        public var payerName: String?

        public init(payload: String, outcome: BankConfirmation.Status? = nil, duplicates: Int? = nil, delaySeconds: Double? = nil, outOfOrder: Bool? = nil,
                    fee: Int? = nil, payerName: String? = nil) {
            self.payload = payload
            self.outcome = outcome
            self.duplicates = duplicates
            self.delaySeconds = delaySeconds
            self.outOfOrder = outOfOrder
            self.fee = fee
            self.payerName = payerName
        }
    }

    public struct Receipt: Codable, Sendable {
        public var transactionId: String
        public var amount: Int
        public var purpose: String
        public var messages: Int
        /// The platform's answer to each message, in order (only when the payment was waited for).
        public var answers: [String]?
    }

    let secret: SymmetricKey
    let channel: any ConfirmationChannel

    public init(secret: SymmetricKey, channel: any ConfirmationChannel) {
        self.secret = secret
        self.channel = channel
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// Checks the order like a banking app checks a scanned QR, then returns; the messages follow in the background
    /// unless `wait` is set.
    public func pay(_ order: Order, wait: Bool = false, logger: Logger) async throws -> Receipt {
        let qr: VietQR
        do { qr = try VietQR.decode(order.payload) } catch let error as VietQR.FormatError {
            throw Problem.unprocessable([.init(field: "payload", message: "not a VietQR the bank can pay: \(error.message)")])
        }
        guard let amount = qr.amount else { throw Problem.unprocessable([.init(field: "payload", message: "a static QR: the payer must type the amount")]) }
        let duplicates = min(max(order.duplicates ?? 0, 0), 10)
        let delay = min(max(order.delaySeconds ?? 0, 0), 60)
        let transaction = "FT" + String(Int(Date().timeIntervalSince1970)) + PaymentReference.make(prefix: "", length: 6)
        let final = BankConfirmation(transactionId: transaction, status: order.outcome ?? .success, amount: amount, fee: order.fee, purpose: qr.purpose ?? "",
                                     bankBin: qr.bankBIN, accountNumber: qr.accountNumber, paidAt: Date(), payerName: order.payerName,
                                     reason: order.outcome == .failed ? "insufficient funds" : nil, qrPayload: order.payload)
        var pending = final
        pending.status = .pending
        let messages = (order.outOfOrder == true ? [final, pending] : [pending, final]) + Array(repeating: final, count: duplicates)
        let sender = self
        let work: @Sendable () async -> [String] = {
            var answers: [String] = []
            for (index, message) in messages.enumerated() {
                if index == 1, delay > 0 { try? await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
                do {
                    let body = try Self.encoder.encode(message)
                    answers.append(try await sender.channel.send(body: body, signature: BankConfirmations.sign(body, secret: sender.secret)))
                } catch {
                    answers.append("not delivered: \(error)")
                    logger.warning("bank simulator could not deliver a confirmation", metadata: ["error": "\(error)"])
                }
            }
            return answers
        }
        var answers: [String]?
        if wait { answers = await work() } else { Task { _ = await work() } }
        return Receipt(transactionId: transaction, amount: amount, purpose: qr.purpose ?? "", messages: messages.count, answers: answers)
    }
}

/// The demo bank's refunds: it "sends the money back" and names the transfer.
public struct DemoBankRefunds: BankProvider {
    public init() {}

    public func refund(amount: Int, of transactionId: String, reference: String) async throws -> String {
        guard amount > 0 else { throw Problem.unprocessable([.init(field: "amount", message: "above zero")]) }
        return "FT" + String(Int(Date().timeIntervalSince1970)) + PaymentReference.make(prefix: "R", length: 5)
    }
}
