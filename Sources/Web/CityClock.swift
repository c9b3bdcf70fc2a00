import Foundation

/// Dates as people in the city read them, in the city's time zone from its profile: the one place pages format time.
public struct CityClock: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// Day first, 24-hour clock: 29/11/2026 14:05.
    public func text(_ date: Date?) -> String {
        guard let date else { return "" }
        return format(date, "dd/MM/yyyy HH:mm")
    }

    /// The calendar day: 29/11/2026.
    public func day(_ date: Date) -> String { format(date, "dd/MM/yyyy") }

    private func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
