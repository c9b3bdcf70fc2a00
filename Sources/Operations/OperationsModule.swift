import FluentKit
import Foundation
import Logging
import Platform

/// The operations centre (IOC): the city's sensors over an NGSI-LD broker (`/ngsi-ld/v1`: entities, batches,
/// subscriptions with HTTP notifications, the temporal API), their readings kept compactly with roll-ups.
public struct OperationsModule: PlatformModule {
    public let broker: NGSIBroker
    let delivery: NotificationDelivery
    let retention: SensorRetention
    let context: ModuleContext

    /// - Parameter transport: how notifications are sent (HTTP under the webhook network policy unless a test gives one).
    public init(context: ModuleContext, transport: (any NotificationTransport)? = nil) {
        self.context = context
        broker = NGSIBroker(database: context.database, operationsUnit: context.profile.city.operationsUnit, clock: context.clock)
        let policy = OutboundPolicy(allowedPrivateNetworks: context.configuration.webhookAllowedNetworks)
        delivery = NotificationDelivery(database: context.database, transport: transport ?? HTTPNotificationTransport(policy: policy), clock: context.clock)
        retention = SensorRetention(database: context.database, rawDays: context.configuration.sensorRawDays,
                                    hourlyDays: context.configuration.sensorHourlyDays, clock: context.clock)
    }

    public var name: String { "operations" }
    public var migrations: [any Migration] { [CreateSensorTables()] }

    public var events: [EventDeclaration] {
        [EventDeclaration("operations.subscription.created", payload: "endpoint"), EventDeclaration("operations.subscription.deleted", payload: "")]
    }

    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "ngsi_subscriptions", columns: ["created_by"], category: "account id",
                           purpose: "who sent the city's sensor data to an outside address", basis: .publicDuty, retention: "as the subscription")]
    }

    /// Sensor gateways and the operations centre write; operators and admins read. A gateway signs in as an
    /// account holding the IOC operator role.
    static let access = Access.roles([.iocOperator, .admin])

    public func addRoutes(to routes: SecuredRouter) {
        NGSIEntityRoutes(broker: broker, access: Self.access).addRoutes(to: routes)
        NGSIBatchRoutes(broker: broker, access: Self.access).addRoutes(to: routes)
        NGSISubscriptionRoutes(broker: broker, access: Self.access).addRoutes(to: routes)
        NGSITemporalRoutes(broker: broker, access: Self.access).addRoutes(to: routes)
    }

    public var backgroundWork: [BackgroundWork] {
        let (broker, delivery, retention) = (broker, delivery, retention)
        return [
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
