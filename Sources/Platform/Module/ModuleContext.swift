import Foundation
import Logging

/// Everything a module is built from: the platform's configuration and city, the database, the sealed secrets and
/// the capabilities other modules provide. Each module's `init(context:…)` takes it, so adding a module to the city
/// is one line in App.
public struct ModuleContext: Sendable {
    public let configuration: HuesConfiguration
    public let profile: CityProfile
    public let database: PlatformDatabase
    public let secrets: SecretBox
    public let capabilities: Capabilities
    public let logger: Logger
    /// What time it is: the system clock, or one a test moves (token expiry is tested without waiting).
    public let clock: @Sendable () -> Date

    public init(configuration: HuesConfiguration, profile: CityProfile, database: PlatformDatabase, secrets: SecretBox,
                capabilities: Capabilities = Capabilities(), logger: Logger = Logger(label: "hues"), clock: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.profile = profile
        self.database = database
        self.secrets = secrets
        self.capabilities = capabilities
        self.logger = logger
        self.clock = clock
    }

    /// A logger labelled for one module's work.
    public func logger(_ module: String) -> Logger {
        var logger = Logger(label: "hues.\(module)")
        logger.logLevel = self.logger.logLevel
        return logger
    }
}
