import FluentKit
import Foundation
import Payments
import Logging
import Platform
import PublicServices
import Synchronization

/// Wires dossier fees between public services and payments, both ways: a fee request issues an invoice, and the
/// invoice's payment moves the dossier on. Each side only sees the other's small seam.
struct DossierFeeInvoices: DossierFeeDesk {
    let payments: PaymentService
    /// How long an applicant has to pay a fee.
    static let daysToPay = 15

    func requestFee(_ request: FeeRequest, on db: any Database) async throws {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        formatter.dateFormat = "yyyy-MM-dd"
        let due = formatter.string(from: Date().addingTimeInterval(TimeInterval(Self.daysToPay * 86_400)))
        _ = try await payments.issue(NewInvoice(unit: request.unitCode, payer: .init(accountId: request.payerID, name: request.payerName), kind: .fee,
                                                description: "Phí, lệ phí hồ sơ \(request.dossierCode): \(request.procedureName)".prefix(500).description,
                                                amount: request.amount, dueDate: due, dossierCode: request.dossierCode),
                                     createdBy: request.requestedBy, actorName: request.requestedByName, on: db)
    }
}

/// Payments are built before public services, so the dossier side is attached once both exist.
final class DossierFeeSettlement: InvoiceSettlement {
    private let dossiers = Mutex<DossierService?>(nil)

    func attach(_ service: DossierService) {
        dossiers.withLock { $0 = service }
    }

    func invoicePaid(_ invoice: InvoiceView, on database: any Database) async throws {
        guard invoice.kind == .fee, let code = invoice.dossierCode else { return }
        guard let service = dossiers.withLock({ $0 }) else {
            // A wiring bug: the money stays booked, but the dossier cannot move on by itself. Say so, loudly.
            database.logger.error("dossier fee paid but the dossier service was never attached", metadata: [
                "dossier": .string(code), "invoice": .string(invoice.reference),
            ])
            return
        }
        try await service.feePaid(dossierCode: code, invoiceReference: invoice.reference, on: database)
    }
}

/// Payments send webhooks only to services in the city's catalogue.
struct CatalogServiceRegistry: ServiceRegistry {
    let isKnown: @Sendable (String, Logger) async throws -> Bool

    func isRegistered(_ code: String, logger: Logger) async throws -> Bool { try await isKnown(code, logger) }
}
