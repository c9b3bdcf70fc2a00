import FluentKit
import Foundation
import Logging
import Platform
import Web

/// The operations centre (IOC): the city's sensors over an NGSI-LD broker (`/ngsi-ld/v1`: entities, batches,
/// subscriptions with HTTP notifications, the temporal API), their readings kept compactly with roll-ups.
public struct OperationsModule: PlatformModule {
    public let broker: NGSIBroker
    let delivery: NotificationDelivery
    let retention: SensorRetention
    public let alerts: AlertWatch
    let desk: AlertDesk
    /// The demo city's simulated sensors; nil outside `hues serve --demo`.
    let demoSensors: DemoSensors?
    /// The city's live figures, declared by every module (this one's too).
    public let figures: LiveFigures
    /// The operator view and the wall screen; nil without a renderer (the CLI).
    let pages: OperationsPages?
    let context: ModuleContext

    /// - Parameter transport: how notifications are sent (HTTP under the webhook network policy unless a test gives one).
    public init(context: ModuleContext, liveFigures: [LiveFigure] = [], renderer: PageRenderer? = nil, transport: (any NotificationTransport)? = nil) throws {
        self.context = context
        broker = NGSIBroker(database: context.database, operationsUnit: context.profile.city.operationsUnit,
                            numberIndexes: context.configuration.ngsiNumberIndexes, clock: context.clock)
        figures = LiveFigures(figures: liveFigures + OperationsLiveFigures.all, database: context.database, broker: broker, secrets: context.secrets,
                              timeZone: context.profile.calendar.timeZone, clock: context.clock, logger: context.logger)
        let policy = OutboundPolicy(allowedPrivateNetworks: context.configuration.webhookAllowedNetworks)
        delivery = NotificationDelivery(database: context.database, transport: transport ?? HTTPNotificationTransport(policy: policy), clock: context.clock)
        retention = SensorRetention(database: context.database, rawDays: context.configuration.sensorRawDays,
                                    hourlyDays: context.configuration.sensorHourlyDays, clock: context.clock)
        alerts = AlertWatch(database: context.database, broker: broker, rules: AlertRules(database: context.database),
                            operationsUnit: context.profile.city.operationsUnit, capabilities: context.capabilities, clock: context.clock)
        desk = AlertDesk(database: context.database, broker: broker, clock: context.clock)
        context.capabilities.provide((any CaseDirectory).self, AlertCases(desk: desk), by: "operations")
        demoSensors = context.configuration.mode == .demo ? DemoSensors(broker: broker, clock: context.clock) : nil
        let map = try UnitBoundaries(profile: context.profile).flatMap(UnitMap.init(boundaries:))
        let (figures, broker, desk) = (figures, broker, desk)
        pages = renderer.map { renderer in
            OperationsPages(figures: figures, panels: SensorPanels(database: context.database, broker: broker), desk: desk, profile: context.profile,
                            map: map, renderer: renderer, capabilities: context.capabilities, clock: context.clock)
        }
    }

    /// The numeric indexes the city declares, built when missing.
    public func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws {
        try await broker.numbers.apply(on: database, dropping: false, logger: context.logger)
    }

    /// Before serving: also drops the numeric indexes no longer declared (not for other commands; see `apply`).
    public func prepareToServe(database: PlatformDatabase) async throws {
        try await broker.numbers.apply(on: database, dropping: true, logger: context.logger)
    }

    /// The demo's alert rules (kept if the operators changed them) and, for a demo with history, the last day of readings.
    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] {
        let rules = alerts.rules
        let existing = Set(try await rules.all(logger: demo.logger).map(\.code))
        guard let admin = try await demo.principal("admin") else { return [] }
        for rule in SensorSimulator.demoRules where !existing.contains(rule.code) {
            try await rules.save(rule, by: admin, at: context.clock(), logger: demo.logger)
        }
        guard let demoSensors, demo.includesHistory else { return [] }
        try await demoSensors.backfill(hours: 24, logger: demo.logger)
        return ["\(SensorSimulator.stations.count) simulated sensors with a day of readings, and \(SensorSimulator.demoRules.count) alert rules"]
    }

    public var name: String { "operations" }
    public var migrations: [any Migration] { Self.brokerMigrations + [CreateAlertTables(), CreateLiveFigureTables()] }
    /// The broker's tables as they stand (also what the broker's own tests build).
    static var brokerMigrations: [any Migration] { [CreateSensorTables(), StoreEntitiesAsJSONB(), IndexEntityTexts(), MarkSummarisedHours()] }
    public var resources: ModuleResources? { ModuleResources(bundle: .module) }

    public var events: [EventDeclaration] {
        [EventDeclaration("operations.subscription.created", payload: "endpoint"), EventDeclaration("operations.subscription.deleted", payload: ""),
         EventDeclaration("operations.alert-rule.saved", payload: "the rule"), EventDeclaration("operations.alert-rule.deleted", payload: ""),
         EventDeclaration("operations.alert.raised", payload: "rule, sensor, severity"), EventDeclaration("operations.alert.cleared", payload: ""),
         EventDeclaration("operations.alert.returned", payload: ""),
         EventDeclaration("operations.alert.acknowledged", payload: "step"), EventDeclaration("operations.alert.assigned", payload: "step"),
         EventDeclaration("operations.alert.closed", payload: "step, detail (the reason)")]
    }

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement((any StaffDirectory).self, required: false, reason: "alerts notify the answerable unit's leaders, and are assigned by username"),
         CapabilityRequirement((any NoticeBoard).self, required: false, reason: "a notice to the unit's leaders when an alert is raised")]
    }

    public var liveFigures: [LiveFigure] { OperationsLiveFigures.all }

    public var navigation: [NavigationEntry] {
        pages == nil ? [] : [NavigationEntry(label: "nav_ioc", path: "/ioc", order: 60, access: OperationsPages.access)]
    }

    /// The live figures hold no person (see `personalData`): anyone may read them, answered from memory until one moves.
    public var publicCaching: [CacheablePath] {
        [CacheablePath("/api/v1/operations/indicators", changedBy: [LiveFigureValues.streamTopic])]
    }

    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "ngsi_subscriptions", columns: ["created_by"], category: "account id",
                           purpose: "who sent the city's sensor data to an outside address", basis: .publicDuty, retention: "as the subscription"),
         PersonalDataField(table: "ioc_alerts", columns: ["acknowledged_by", "assigned_to", "closed_by", "close_reason"], category: "account id and note",
                           purpose: "who handled an alert, and why it was closed", basis: .publicDuty, retention: "as the alert"),
         PersonalDataField(table: "ioc_alert_rules", columns: ["created_by"], category: "account id",
                           purpose: "who set an alert rule", basis: .publicDuty, retention: "as the rule"),
         PersonalDataField(table: "ioc_live_items", columns: ["item"], category: "digest of an account id",
                           purpose: "to count the different accounts active in a day", basis: .publicDuty, retention: "the day, and the next")]
    }

    /// Sensor gateways and the operations centre write; operators and admins read. A gateway signs in as an
    /// account holding the IOC operator role.
    static let access = Access.roles([.iocOperator, .admin])
    /// What a sensor gateway may reach: writing and reading entities.
    static let feedAccess = Access.roles([.iocOperator, .sensorGateway, .admin])

    public func addRoutes(to routes: SecuredRouter) {
        NGSIEntityRoutes(broker: broker, access: Self.access, feedAccess: Self.feedAccess).addRoutes(to: routes)
        NGSIBatchRoutes(broker: broker, access: Self.access, feedAccess: Self.feedAccess).addRoutes(to: routes)
        NGSISubscriptionRoutes(broker: broker, access: Self.access).addRoutes(to: routes)
        NGSITemporalRoutes(broker: broker, access: Self.access).addRoutes(to: routes)
        AlertRoutes(desk: desk, rules: alerts.rules, watch: alerts, units: Set(context.profile.units.map(\.code)),
                    capabilities: context.capabilities, clock: context.clock).addRoutes(to: routes)
        SimulatorRoutes(sensors: demoSensors, broker: broker).addRoutes(to: routes)
        LiveFigureRoutes(figures: figures, changes: context.database.changes, clock: context.clock).addRoutes(to: routes)
        pages?.addRoutes(to: routes)
    }

    public var backgroundWork: [BackgroundWork] {
        let (broker, delivery, retention, alerts) = (broker, delivery, retention, self.alerts)
        let simulated: [BackgroundWork] = demoSensors.map { sensors in
            [BackgroundWork("demo sensors read", every: .seconds(60), singleInstance: true) { logger in try await sensors.tick(logger: logger) }]
        } ?? []
        let figures = self.figures
        return simulated + [
            // Woken by the events the figures read, so a screen shows a change within a second; every 10 s otherwise,
            // for what moves with the clock alone (a deadline passing, a new day).
            BackgroundWork("live figures kept from the event log", every: .seconds(10), singleInstance: true,
                           wakeOn: (figures.book.eventTypes, context.database.changes)) { logger in
                try await figures.round(logger: logger)
            },
            // Woken by sensor writes, so a threshold crossed shows as an alert within moments.
            BackgroundWork("alert rules run over the latest readings", every: .seconds(30), singleInstance: true,
                           wakeOn: ([NGSIBroker.entitiesTopic], context.database.changes)) { logger in
                let (raised, cleared) = try await alerts.evaluate(logger: logger)
                if raised + cleared > 0 { logger.info("alert rules", metadata: ["raised": "\(raised)", "cleared": "\(cleared)"]) }
            },
            // Every instance matches writes against its own copy of the subscriptions; this picks up other instances' changes.
            BackgroundWork("NGSI-LD subscriptions reloaded", every: .seconds(5)) { logger in try await broker.subscriptions.reload(logger: logger) },
            // Woken by each write that queued a notification, so a subscriber hears of a change within moments.
            BackgroundWork("NGSI-LD notifications sent", every: .seconds(2), singleInstance: true,
                           wakeOn: ([NGSIBroker.notificationsTopic], context.database.changes)) { logger in
                try await delivery.deliverDue(logger: logger)
            },
            BackgroundWork("sensor readings rolled up and aged out", every: .seconds(600), singleInstance: true) { logger in
                try await retention.sweep(logger: logger)
            },
        ]
    }
}
