/// How long a step may take, with its unit, as procedures state it ("5 ngày làm việc", "8 giờ làm việc").
public enum DeadlineRule: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Hours inside office hours on working days.
    case workingHours(Int)
    /// Whole working days: due at the close of the N-th working day after the day counting starts (0 = same day).
    case workingDays(Int)
    /// Calendar days; if the last day is a day off the deadline moves to the next working day (Civil Code Art. 148(5)).
    case calendarDays(Int)

    public var description: String {
        switch self {
        case .workingHours(let n): return "\(n) working hour(s)"
        case .workingDays(let n): return "\(n) working day(s)"
        case .calendarDays(let n): return "\(n) calendar day(s)"
        }
    }
}

extension DeadlineRule: Codable {
    private enum CodingKeys: String, CodingKey {
        case value
        case unit
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let value = try container.decode(Int.self, forKey: .value)
        guard value >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .value, in: container, debugDescription: "a deadline cannot be negative")
        }
        switch try container.decode(String.self, forKey: .unit) {
        case "working_hours": self = .workingHours(value)
        case "working_days": self = .workingDays(value)
        case "calendar_days": self = .calendarDays(value)
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .unit, in: container, debugDescription: "'\(other)' is not working_hours, working_days or calendar_days")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .workingHours(let n):
            try container.encode(n, forKey: .value)
            try container.encode("working_hours", forKey: .unit)
        case .workingDays(let n):
            try container.encode(n, forKey: .value)
            try container.encode("working_days", forKey: .unit)
        case .calendarDays(let n):
            try container.encode(n, forKey: .value)
            try container.encode("calendar_days", forKey: .unit)
        }
    }
}
