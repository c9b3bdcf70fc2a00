import Foundation
import Logging

/// A link in the site's navigation: shown to whoever `access` admits, in `order` (lower first).
public struct NavigationEntry: Sendable, Equatable {
    /// Translation key of the link text (in the module's `i18n`).
    public let label: String
    public let path: String
    public let order: Int
    public let access: Access

    public init(label: String, path: String, order: Int, access: Access) {
        self.label = label
        self.path = path
        self.order = order
        self.access = access
    }
}

/// One of a citizen's main tasks (report a problem, my dossiers, pay, notices): on a phone, the bottom bar; in the
/// installed app, a shortcut on the home-screen icon.
public struct MainTask: Sendable, Equatable {
    /// The drawings the bottom bar has; a task picks one.
    public enum Icon: String, Sendable {
        case report, dossiers, pay, notices, services
    }

    /// Translation key of the short label (one or two words: it sits under an icon on a 360 px screen).
    public let label: String
    public let path: String
    public let icon: Icon
    public let order: Int
    /// Who sees it. Visitors who are not signed in see every task; following one asks them to sign in first.
    public let access: Access

    public init(label: String, path: String, icon: Icon, order: Int, access: Access) {
        self.label = label
        self.path = path
        self.icon = icon
        self.order = order
        self.access = access
    }
}

/// An event type a module writes to the event log, with what its payload carries (for consumers and the docs).
public struct EventDeclaration: Sendable, Equatable {
    public let type: String
    public let payload: String

    public init(_ type: String, payload: String = "") {
        self.type = type
        self.payload = payload
    }
}

/// A figure a module contributes to the city's scorecards and live screens (Decision 766 and the IOC): what it
/// measures, from which events, and its target where one applies. The performance module computes them.
public struct IndicatorDeclaration: Sendable, Equatable {
    public enum Measure: String, Sendable { case share, count, hours, average }

    public let code: String
    public let name: [String: String]
    public let measure: Measure
    /// The events the figure is computed from.
    public let events: [String]
    /// The threshold a unit should reach (a share from 0 to 1, or a count), where the rules set one.
    public let target: Double?

    /// How the figure enters the Decision 766 scorecard, for indicators of that set.
    public let scoring: IndicatorScoring?

    public init(code: String, name: [String: String], measure: Measure, events: [String], target: Double? = nil, scoring: IndicatorScoring? = nil) {
        self.code = code
        self.name = name
        self.measure = measure
        self.events = events
        self.target = target
        self.scoring = scoring
    }
}

/// An indicator's place in the Decision 766 scorecard, as data: its group, its maximum points, which cases it counts
/// and by which rule; the performance module applies it to the cases it keeps from the event log. `target` (above)
/// is the threshold of the official rule (full points at or above it, else rate ÷ threshold × points).
public struct IndicatorScoring: Sendable, Equatable {
    public enum Rule: String, Sendable, Codable {
        /// Finished on time, or open and within the legal deadline, over the cases received.
        case onTime
        /// Dossiers filed online over the dossiers received.
        case filedOnline
        /// (all − overdue − rated 1–2 stars) / all, each subtracted on its own as the decision writes it.
        case satisfaction
        /// The data lives outside the platform: shown as unknown, never as zero.
        case outside
    }

    public let group: Int
    public let maxPoints: Double
    /// The subject prefix of the cases counted (`dossier`, `field-report`); nil for indicators kept outside.
    public let caseKind: String?
    public let rule: Rule
    /// The formula in words, by language, shown next to the number.
    public let explanation: [String: String]

    public init(group: Int, maxPoints: Double, caseKind: String?, rule: Rule, explanation: [String: String]) {
        self.group = group
        self.maxPoints = maxPoints
        self.caseKind = caseKind
        self.rule = rule
        self.explanation = explanation
    }

    /// An indicator whose data lives outside the platform (the national portal, the procedures database).
    public static func outside(group: Int, maxPoints: Double) -> IndicatorScoring {
        IndicatorScoring(group: group, maxPoints: maxPoints, caseKind: nil, rule: .outside, explanation: [
            "vi": "Dữ liệu nằm ngoài nền tảng (Cổng DVC quốc gia, CSDL TTHC); chưa tính vào điểm ở đây",
            "en": "The data lives outside the platform (national portal, procedures database); not scored here"])
    }
}

/// A capability a module asks for: required ones must be provided when the platform starts.
public struct CapabilityRequirement: Sendable, Equatable {
    public let capability: String
    public let required: Bool
    public let reason: String

    public init<T>(_ type: T.Type, required: Bool, reason: String) {
        self.capability = String(describing: type)
        self.required = required
        self.reason = reason
    }
}

/// Where a module's own pages, translations, scripts and part of the OpenAPI document are: its bundle's resource
/// folder, holding `pages/*.mustache`, `i18n/{vi,en}.json`, `static/*` and `openapi.json` (each optional).
public struct ModuleResources: Sendable, Equatable {
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    /// From a module's `Bundle.module`; nil when the bundle has no resources (a broken build).
    public init?(bundle: Bundle) {
        guard let folder = bundle.resourceURL else { return nil }
        self.folder = folder
    }

    public var pages: URL { folder.appendingPathComponent("pages") }
    public var translations: URL { folder.appendingPathComponent("i18n") }
    public var assets: URL { folder.appendingPathComponent("static") }
    public var openAPI: URL { folder.appendingPathComponent("openapi.json") }
}

/// What a module's demo seed may use: the database, a logger, the capabilities (people by username), and whether
/// to add the demo city's history (tests start from empty queues).
public struct DemoSeeding: Sendable {
    public let database: PlatformDatabase
    public let capabilities: Capabilities
    public let logger: Logger
    public let includesHistory: Bool

    public init(database: PlatformDatabase, capabilities: Capabilities, logger: Logger, includesHistory: Bool) {
        self.database = database
        self.capabilities = capabilities
        self.logger = logger
        self.includesHistory = includesHistory
    }

    /// A demo person as a signed-in principal, by username (the identity module opened them first).
    public func principal(_ username: String) async throws -> Principal? {
        guard let person = try await capabilities.first((any StaffDirectory).self)?.profile(username: username, logger: logger) else { return nil }
        return Principal(accountID: person.accountID, username: person.username, displayName: person.name, grants: person.grants, credential: .accessToken)
    }
}
