import FluentKit
import Foundation
import Logging
import Platform
import Web

/// The notices module's manifest: one inbox per account, email delivery with retries.
public struct NoticesModule: PlatformModule {
    public let store: NoticeStore
    let templates: NoticeTemplates
    let database: PlatformDatabase
    let smtp: SMTPSettings?
    let pollInterval: Duration
    let renderer: PageRenderer?

    public init(database: PlatformDatabase, configuration: HuesConfiguration, renderer: PageRenderer?) throws {
        let templates = try NoticeTemplates()
        self.templates = templates
        self.database = database
        self.renderer = renderer
        if let host = configuration.smtpHost {
            self.smtp = SMTPSettings(host: host, port: configuration.smtpPort, security: SMTPSettings.Security(rawValue: configuration.smtpSecurity) ?? .none,
                                     username: configuration.smtpUsername, password: configuration.smtpPassword,
                                     fromAddress: configuration.smtpFrom, fromName: "HueS",
                                     heloName: URL(string: configuration.publicBaseURL)?.host ?? "hues.local")
        } else {
            self.smtp = nil
        }
        self.pollInterval = .seconds(configuration.noticePollSeconds)
        self.store = NoticeStore(database: database, templates: templates, emailEnabled: smtp != nil)
    }

    public var name: String { "notices" }
    public var migrations: [any Migration] { [CreateNoticeTables()] }

    public func addRoutes(to routes: SecuredRouter) {
        NoticesRoutes(store: store, renderer: renderer).addRoutes(to: routes)
    }

    /// Email delivery, when an SMTP server is configured.
    public func delivery(recipients: any NoticeRecipients) -> NoticeDelivery? {
        smtp.map { NoticeDelivery(database: database, templates: templates, recipients: recipients, smtp: SMTPClient(settings: $0)) }
    }

    public func deliveryService(recipients: any NoticeRecipients, logger: Logger) -> NoticeDeliveryService? {
        delivery(recipients: recipients).map { NoticeDeliveryService(delivery: $0, interval: pollInterval, logger: logger) }
    }
}
