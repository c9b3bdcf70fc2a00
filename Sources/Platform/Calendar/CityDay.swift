import Foundation

/// The city's day of a moment as `YYYY-MM-DD`: what daily quotas and once-a-day logs are counted by.
public enum CityDay {
    public static func of(_ moment: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: moment)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
