import Catalog
import FieldReports
import Foundation
import Identity
import Notices
import Payments
import Platform
import PublicServices
import Workflow

/// The JSON bodies of the write routes, decoded as the API decodes them and checked by the same rules.
enum BodyTargets {
    /// The demo city's report settings, loaded once: categories with their questions, boundaries for routing.
    static let fieldReports: (ReportSettings, ReportRouting)? = {
        guard let profile = try? CityProfile.load(path: nil), let library = try? ProcessLibrary(profile: profile),
              let settings = try? ReportSettings.load(profile: profile, processes: Set(library.processes.keys)) else { return nil }
        return (settings, ReportRouting(boundaries: try? UnitBoundaries(profile: profile), intakeUnit: settings.intakeUnit))
    }()

    static let jsonBodies: FuzzTargets.Harness = { bytes in
        let data = Data(bytes)
        let decoder = JSONDecoder.api
        if let report = try? decoder.decode(NewFieldReport.self, from: data), let (settings, routing) = fieldReports,
           let checked = try? ReportValidation.check(report, settings: settings, routing: routing) {
            if let point = checked.point { FuzzCheck.require(point.isValid && routing.insideCity(point), "accepted a point outside the city") }
        }
        if let account = try? decoder.decode(NewAccount.self, from: data) { _ = account.validate() }
        if let dossier = try? decoder.decode(NewDossier.self, from: data) {
            if let given = dossier.applicant {
                _ = DossierService.checkApplicant(Applicant(name: given.name ?? "", idNumber: given.idNumber, phone: given.phone, email: given.email,
                                                            address: given.address))
            }
            _ = try? AttachmentRules.check(dossier.attachments ?? [], allowedDocuments: ["id-card", "birth-certificate"])
        }
        if let service = try? decoder.decode(NewCityService.self, from: data) {
            _ = ServiceCatalogue.validate(code: service.code, name: service.name, launchURL: service.launchURL)
        }
        if let client = try? decoder.decode(NewOAuthClient.self, from: data) { _ = client.validate() }
        _ = try? decoder.decode(NewInvoice.self, from: data)
        _ = try? decoder.decode(NewRefund.self, from: data)
        _ = try? decoder.decode(NewWebhookSubscription.self, from: data)
        _ = try? decoder.decode(ReportAction.self, from: data)
        _ = try? decoder.decode(ReportRating.self, from: data)
        _ = try? decoder.decode(DossierAction.self, from: data)
        _ = try? decoder.decode(ServiceChanges.self, from: data)
        if let push = try? decoder.decode(PushSubscriptionInput.self, from: data),
           let valid = try? ValidPushSubscription(push, allowPlainHTTP: true) {
            FuzzCheck.require(valid.authSecret.count == 16 && valid.endpoint.utf8.count <= ValidPushSubscription.maximumEndpointLength,
                              "accepted a push subscription outside the rules")
        }
    }
}
