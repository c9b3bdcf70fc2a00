import Foundation

/// A figure the operations centre shows live (reports open by ward, dossiers filed online today, cashless payments
/// today), contributed by the module whose events make it. The module says how to read its own events
/// (`interpret`); the operations module keeps the figure from the event log and pushes each change to its screens.
/// No module reads another's tables for it, and a module switched off takes its figures with it.
public struct LiveFigure: Sendable {
    public enum Kind: Sendable, Equatable {
        /// The parts added in the current period (`LiveChange.add`).
        case count
        /// Parts over wholes added in the current period: an on-time rate, a share filed online.
        case share
        /// Things open now (`LiveChange.open` until `close`); with a daily period, distinct things seen today.
        case open
        /// The open things of another figure whose deadline has passed.
        case overdue(of: String)
        /// Open things of one category over all open things of the figure.
        case openShare(category: String)
    }

    /// When a figure starts again from nothing, in the city's time zone.
    public enum Period: String, Sendable {
        case day, month, always
    }

    public let code: String
    /// The figure's name by language (`vi`, `en`).
    public let name: [String: String]
    public let kind: Kind
    public let period: Period
    /// The event types it reads (a figure of kind `overdue` reads none: it follows its own clock).
    public let events: [String]
    /// Whether anyone may see the figure by unit and category. A breakdown that can single out one person's act (a
    /// payment's amount, a rating in a small ward, moving live) is shown to staff only; its city total stays public.
    public let publicDetail: Bool
    /// What one of those events changes; events it cannot use give nothing.
    public let interpret: @Sendable (LiveEvent) -> [LiveChange]

    public init(code: String, name: [String: String], kind: Kind, period: Period = .always, events: [String] = [], publicDetail: Bool = false,
                interpret: @escaping @Sendable (LiveEvent) -> [LiveChange] = { _ in [] }) {
        self.code = code
        self.name = name
        self.kind = kind
        self.period = period
        self.events = events
        self.publicDetail = publicDetail
        self.interpret = interpret
    }
}

/// What a live figure sees of a logged event: its envelope and its payload, read once for every figure.
public struct LiveEvent: Sendable {
    public let type: String
    public let subject: String?
    public let unit: String?
    public let actor: String?
    public let occurredAt: Date
    public let payload: [String: JSONValue]

    public init(type: String, subject: String?, unit: String?, actor: String?, occurredAt: Date, payload: [String: JSONValue]) {
        self.type = type
        self.subject = subject
        self.unit = unit
        self.actor = actor
        self.occurredAt = occurredAt
        self.payload = payload
    }

    /// The subject's kind, `field-report` of `field-report:HUE-…`.
    public var subjectKind: String? { subject?.split(separator: ":", maxSplits: 1).first.map(String.init) }

    public func text(_ key: String) -> String? { payload[key]?.string }
    public func flag(_ key: String) -> Bool? { payload[key]?.bool }

    /// A whole number, written as a number or as digits in a string (events carry both), within ±10¹² (a payment of a
    /// trillion đồng is past any fee): a figure sums millions of them and must never overflow.
    public func whole(_ key: String) -> Int64? {
        let number: Int64? = switch payload[key] {
        case .number(let value)?: value.rounded() == value && abs(value) < 9e15 ? Int64(value) : nil
        case .string(let text)?: text.utf8.count <= 20 ? Int64(text) : nil
        default: nil
        }
        // `magnitude`, not `abs`: abs(Int64.min) traps, and "-9223372036854775808" reads as Int64.min.
        return number.flatMap { $0.magnitude <= UInt64(Self.largestWhole) ? $0 : nil }
    }

    public static let largestWhole: Int64 = 1_000_000_000_000

    /// A moment written as ISO 8601 (deadlines).
    public func moment(_ key: String) -> Date? { text(key).flatMap { try? Date($0, strategy: .iso8601) } }
}

/// One change an event makes to a live figure.
public enum LiveChange: Sendable, Equatable {
    /// Adds to the current period's tally (for a count, `whole` is unused).
    case add(part: Int64, whole: Int64 = 1, unit: String? = nil, category: String? = nil)
    /// Opens a thing (or refreshes what is known of it: nil leaves a field as it was).
    case open(key: String, unit: String? = nil, category: String? = nil, due: Date? = nil)
    /// Closes a thing; it opens again with its unit and category if a later event opens it.
    case close(key: String)
    /// Says more about a thing (its category, from an event written beside its case's) without opening or closing it.
    case describe(key: String, unit: String? = nil, category: String? = nil)
}
