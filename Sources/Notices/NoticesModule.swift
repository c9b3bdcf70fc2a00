import FluentKit
import Foundation
import Logging
import Platform
import Web

/// The notices module's manifest: one inbox per account, delivery by email and Web Push with retries.
///
/// Provides `NoticeBoard` (every module posts notices through it); asks for `NoticeRecipients` (the identity module
/// knows people's addresses) when it sends email.
public struct NoticesModule: PlatformModule {
    public let store: NoticeStore
    let templates: NoticeTemplates
    let database: PlatformDatabase
    let smtp: SMTPSettings?
    let pollInterval: Duration
    let renderer: PageRenderer?
    let capabilities: Capabilities
    let push: PushSubscriptions
    let vapid: VapidKeys
    let pushChannel: PushChannel

    public init(context: ModuleContext, renderer: PageRenderer?) throws {
        let configuration = context.configuration
        let templates = try NoticeTemplates()
        self.templates = templates
        self.database = context.database
        self.renderer = renderer
        self.capabilities = context.capabilities
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
        let policy = OutboundPolicy(allowedPrivateNetworks: configuration.push.allowedNetworks, plainHTTPOnlyOnAllowedNetworks: true)
        self.push = PushSubscriptions(database: database, policy: policy, allowPlainHTTP: configuration.push.allowPlainHTTP)
        self.vapid = VapidKeys(database: database, secrets: context.secrets)
        self.pushChannel = PushChannel(subscriptions: push, keys: vapid, templates: templates, http: OutboundHTTP(policy: policy),
                                       subject: configuration.push.subject(publicBaseURL: configuration.publicBaseURL))
        context.capabilities.provide((any NoticeBoard).self, store, by: "notices")
    }

    public var name: String { "notices" }
    public var migrations: [any Migration] { [CreateNoticeTables(), CreatePushTables()] }
    public var resources: ModuleResources? { ModuleResources(bundle: .module) }

    public func addRoutes(to routes: SecuredRouter) {
        NoticesRoutes(store: store, push: push, renderer: renderer).addRoutes(to: routes)
        PushRoutes(subscriptions: push, keys: vapid).addRoutes(to: routes)
    }

    /// Delivery beyond the inbox: to subscribed browsers always, by email when an SMTP server is configured and a
    /// module knows the recipients' addresses.
    public func delivery() -> NoticeDelivery {
        var channels: [any NoticeChannel] = [pushChannel]
        if let smtp, let recipients = capabilities.first((any NoticeRecipients).self) {
            channels.append(EmailChannel(database: database, templates: templates, recipients: recipients, smtp: SMTPClient(settings: smtp)))
        }
        return NoticeDelivery(database: database, channels: channels)
    }

    public var backgroundWork: [BackgroundWork] {
        let delivery = delivery()
        return [BackgroundWork("notice delivery", every: pollInterval) { logger in try await delivery.deliverDue(logger: logger) }]
    }

    public var events: [EventDeclaration] { [EventDeclaration("notices.personal-data.erased", payload: "notices, devices")] }

    public var navigation: [NavigationEntry] { [NavigationEntry(label: "nav_notices", path: "/notices", order: 90, access: .signedIn)] }
    public var tasks: [MainTask] { [MainTask(label: "task_notices", path: "/notices", icon: .notices, order: 40, access: .signedIn)] }

    public var healthChecks: [HealthCheck] {
        let database = self.database
        return [HealthCheck("notice delivery") { now, logger in
            // Due for more than 15 minutes means the worker is not keeping up (or not running on any instance).
            let overdue = try await NoticeDeliveryRecord.query(on: try database.db(logger: logger)).filter(\.$status == "created")
                .filter(\.$nextAttemptAt < now.addingTimeInterval(-900)).count()
            let failed = try await NoticeDeliveryRecord.query(on: try database.db(logger: logger)).filter(\.$status == "failed")
                .filter(\.$updatedAt > now.addingTimeInterval(-86_400)).count()
            return HealthFinding.threshold(overdue, warnAt: 50, failAt: 1000,
                                           "\(overdue) notices overdue for delivery by more than 15 min; \(failed) given up in the last day")
        }]
    }

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement((any NoticeRecipients).self, required: false, reason: "email addresses of the people notices are for")]
    }
}
