import Crypto
import FluentKit
import Foundation
import Logging
import Platform
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

    let calendar: WorkCalendar
    let sweepInterval: Duration

    /// Asks identity for the staff directory (payers are accounts) and the catalogue for its services (webhooks go
    /// only to them); provides fee invoicing; tells every fee-settlement listener when a fee is paid.
    public init(context: ModuleContext, renderer: PageRenderer?) throws {
        let configuration = context.configuration
        let settings = try PaymentSettings.load(from: context.profile)
        let secret = configuration.bankWebhookSecret.map { SymmetricKey(data: Data($0.utf8)) } ?? context.secrets.derivedKey(purpose: Self.bankSecretPurpose)
        // The demo bank pays and refunds in demo mode only. Elsewhere no bank adapter exists yet, so refunds wait
        // as `submitted` for the treasury to pay out by hand.
        self.payments = PaymentService(database: context.database, settings: settings, profile: context.profile, capabilities: context.capabilities,
                                       outbox: WebhookOutbox(), provider: configuration.demoIntegrations ? DemoBankRefunds() : nil,
                                       accounts: context.capabilities.first((any StaffDirectory).self))
        self.confirmations = BankConfirmations(payments: payments, secret: secret)
        self.webhooks = WebhookSender(database: context.database, secrets: context.secrets, registry: context.capabilities.first((any ServiceRegistry).self),
                                      policy: OutboundPolicy(allowedPrivateNetworks: configuration.webhookAllowedNetworks))
        self.idempotency = IdempotencyKeys(database: context.database)
        // The simulated bank talks to this very process; in-process delivery needs no reachable public URL.
        self.simulator = !configuration.demoIntegrations ? nil
            : BankSimulator(secret: secret, channel: DirectConfirmationChannel(confirmations: confirmations))
        self.renderer = renderer
        self.calendar = context.profile.calendar
        self.sweepInterval = .seconds(configuration.paymentsSweepSeconds)
        context.capabilities.provide((any FeeInvoicing).self, FeeInvoices(payments: payments, calendar: calendar), by: "payments")
    }

    /// What the bank's confirmation key is derived for, when `HUES_BANK_WEBHOOK_SECRET` is unset.
    public static let bankSecretPurpose = "payments.bank-confirmations"

    public var healthChecks: [HealthCheck] {
        let database = webhooks.database
        return [HealthCheck("payment webhooks") { now, logger in
            let overdue = try await WebhookDeliveryRecord.query(on: try database.db(logger: logger)).filter(\.$state == "pending")
                .filter(\.$nextAttemptAt < now.addingTimeInterval(-900)).count()
            return HealthFinding.threshold(overdue, warnAt: 50, failAt: 1000, "\(overdue) webhook deliveries overdue by more than 15 min")
        }]
    }

    public var name: String { "payments" }
    public var migrations: [any Migration] { [CreatePaymentsTables()] }

    public func addRoutes(to routes: SecuredRouter) {
        PaymentsRoutes(payments: payments, confirmations: confirmations, webhooks: webhooks, idempotency: idempotency, simulator: simulator)
            .addRoutes(to: routes)
        if let renderer {
            PaymentsPages(payments: payments, confirmations: confirmations, simulator: simulator, renderer: renderer).addRoutes(to: routes)
        }
    }

    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] {
        guard demo.includesHistory else { return [] }
        return try await DemoPayments.seed(self, calendar: calendar, demo: demo)
    }

    /// Two rounds side by side: slow subscribers never hold up the expiry of unpaid attempts.
    public var backgroundWork: [BackgroundWork] {
        let payments = self.payments, webhooks = self.webhooks
        return [BackgroundWork("payments expiry", every: sweepInterval) { logger in try await payments.sweep(logger: logger) },
                BackgroundWork("webhook delivery", every: sweepInterval) { logger in _ = try await webhooks.deliverDue(logger: logger) }]
    }

    public var resources: ModuleResources? { ModuleResources(bundle: .module) }

    public var navigation: [NavigationEntry] {
        [NavigationEntry(label: "nav_payments", path: "/payments", order: 65, access: .signedIn),
         NavigationEntry(label: "nav_finance", path: "/finance", order: 80, access: .roles([.officer, .unitLeader]))]
    }

    public var tasks: [MainTask] {
        [MainTask(label: "task_pay", path: "/payments", icon: .pay, order: 30, access: .signedIn)]
    }

    public var events: [EventDeclaration] {
        [EventDeclaration("payments.invoice.issued", payload: "amount, kind, dossier"), EventDeclaration("payments.invoice.cancelled"),
         EventDeclaration("payments.invoice.expired"), EventDeclaration("payments.intent.created", payload: "invoice, amount"),
         EventDeclaration("payments.intent.succeeded", payload: "invoice, amount, bankTransaction"), EventDeclaration("payments.intent.failed", payload: "reason"),
         EventDeclaration("payments.intent.cancelled"), EventDeclaration("payments.intent.error", payload: "reason"),
         EventDeclaration("payments.confirmation.rejected", payload: "reason"), EventDeclaration("payments.refund.submitted", payload: "amount"),
         EventDeclaration("payments.refund.succeeded"), EventDeclaration("payments.refund.failed", payload: "reason"),
         EventDeclaration("payments.statement.reconciled", payload: "lines, matched"), EventDeclaration("payments.webhook.subscribed", payload: "service, url"),
         EventDeclaration("payments.webhook.unsubscribed"), EventDeclaration("payments.payer.read", payload: "subjects")]
    }

    public var indicators: [IndicatorDeclaration] { Self.indicators }
    public var liveFigures: [LiveFigure] { PaymentsLiveFigures.all }

    public static let indicators: [IndicatorDeclaration] = [
        // Group 3' (procedures integrated, with payments, dossiers paid online): not yet counted from the ledger.
        IndicatorDeclaration(code: "766-3.5", name: ["vi": "Thanh toán trực tuyến (TTHC tích hợp, có giao dịch, hồ sơ thanh toán trực tuyến)",
                                                     "en": "Online payment (procedures integrated, with payments, dossiers paid online)"],
                             measure: .share, events: ["payments.invoice.issued", "payments.intent.succeeded"], scoring: .outside(group: 3, maxPoints: 10)),
        IndicatorDeclaration(code: "payments.cashless-today", name: ["vi": "Giao dịch không dùng tiền mặt hôm nay", "en": "Cashless payments today"],
                             measure: .count, events: ["payments.intent.succeeded"]),
    ]

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement((any StaffDirectory).self, required: false, reason: "payers named by username or id are checked against accounts"),
         CapabilityRequirement((any ServiceRegistry).self, required: false, reason: "webhooks go only to services in the catalogue"),
         CapabilityRequirement((any FeeSettlement).self, required: false, reason: "a paid fee moves its dossier on")]
    }
}
