import Crypto
import FluentKit
import Foundation
import Logging
import Platform
import ServiceLifecycle
import Web

/// Cashless payments: invoices, VietQR payment intents, bank confirmations, the ledger, refunds, reconciliation and
/// webhooks to subscribed city services.
public struct PaymentsModule: PlatformModule {
    public let payments: PaymentService
    public let confirmations: BankConfirmations
    public let webhooks: WebhookSender
    public let idempotency: IdempotencyKeys
    /// The demo bank; absent in production.
    public let simulator: BankSimulator?
    let renderer: PageRenderer?

    public init(database: PlatformDatabase, profile: CityProfile, configuration: HuesConfiguration, secrets: SecretBox, renderer: PageRenderer?,
                settlement: (any InvoiceSettlement)?, registry: (any ServiceRegistry)?, accounts: (any StaffDirectory)?) throws {
        let settings = try PaymentSettings.load(from: profile)
        let secret = configuration.bankWebhookSecret.map { SymmetricKey(data: Data($0.utf8)) } ?? secrets.derivedKey(purpose: Self.bankSecretPurpose)
        // The demo bank pays and refunds in demo mode only. Elsewhere no bank adapter exists yet, so refunds wait
        // as `submitted` for the treasury to pay out by hand.
        self.payments = PaymentService(database: database, settings: settings, profile: profile, settlement: settlement, outbox: WebhookOutbox(),
                                       provider: configuration.demoIntegrations ? DemoBankRefunds() : nil, accounts: accounts)
        self.confirmations = BankConfirmations(payments: payments, secret: secret)
        self.webhooks = WebhookSender(database: database, secrets: secrets, registry: registry,
                                      policy: OutboundPolicy(allowedPrivateNetworks: configuration.webhookAllowedNetworks))
        self.idempotency = IdempotencyKeys(database: database)
        // The simulated bank talks to this very process; in-process delivery needs no reachable public URL.
        self.simulator = !configuration.demoIntegrations ? nil
            : BankSimulator(secret: secret, channel: DirectConfirmationChannel(confirmations: confirmations))
        self.renderer = renderer
    }

    /// What the bank's confirmation key is derived for, when `HUES_BANK_WEBHOOK_SECRET` is unset.
    public static let bankSecretPurpose = "payments.bank-confirmations"

    public var name: String { "payments" }
    public var migrations: [any Migration] { [CreatePaymentsTables()] }

    public func addRoutes(to routes: SecuredRouter) {
        PaymentsRoutes(payments: payments, confirmations: confirmations, webhooks: webhooks, idempotency: idempotency, simulator: simulator)
            .addRoutes(to: routes)
        if let renderer {
            PaymentsPages(payments: payments, confirmations: confirmations, simulator: simulator, renderer: renderer).addRoutes(to: routes)
        }
    }
}

/// Expires what is overdue and sends due webhooks, every few seconds.
public struct PaymentsSweepService: Service {
    let module: PaymentsModule
    let interval: Duration
    let logger: Logger

    public init(module: PaymentsModule, every interval: Duration, logger: Logger) {
        self.module = module
        self.interval = interval
        self.logger = logger
    }

    /// Two loops side by side: slow subscribers never hold up the expiry of unpaid attempts.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await loop("payments expiry") { try await module.payments.sweep(logger: logger) } }
            group.addTask { await loop("webhook delivery") { try await module.webhooks.deliverDue(logger: logger) } }
        }
    }

    func loop(_ name: String, _ work: @escaping @Sendable () async throws -> Void) async {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do { try await work() } catch { logger.warning("\(name) failed", metadata: ["error": "\(error)"]) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
