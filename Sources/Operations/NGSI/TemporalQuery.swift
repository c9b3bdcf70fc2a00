import Foundation
import Platform

/// `GET /temporal/entities`: the time window, how many values and in which form, read from the request at the edge.
public struct TemporalQuery: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        case avg, min, max, sum, totalCount
    }

    /// A week at minute resolution (10,080) fits, with room.
    public static let maximumValues = 50_000
    public static let maximumBuckets = 10_000

    /// Milliseconds since 1970, `from` inclusive, `to` exclusive.
    public var from: Int64 = 0
    public var to: Int64 = Int64.max / 4
    public var lastN: Int?
    public var attributes: Set<String>?
    public var temporalValues = false
    public var methods: [Method] = []
    /// The aggregation period in milliseconds.
    public var period: Int64?

    public init() {}

    public init(parameters: [String: String]) throws(NGSIError) {
        if let relation = parameters["timerel"] {
            guard let at = parameters["timeAt"].flatMap(NGSITime.parse) else { throw NGSIError(.badRequestData, "timerel needs timeAt, an ISO 8601 date-time.") }
            let atMilliseconds = Self.milliseconds(at)
            switch relation {
            case "before": to = atMilliseconds
            case "after": from = atMilliseconds
            case "between":
                guard let end = parameters["endTimeAt"].flatMap(NGSITime.parse), end > at else {
                    throw NGSIError(.badRequestData, "timerel=between needs an endTimeAt after timeAt.")
                }
                (from, to) = (atMilliseconds, Self.milliseconds(end))
            default: throw NGSIError(.badRequestData, "timerel is before, after or between.")
            }
        } else if parameters["timeAt"] != nil || parameters["endTimeAt"] != nil {
            throw NGSIError(.badRequestData, "timeAt and endTimeAt need timerel.")
        }
        if let text = parameters["lastN"] {
            guard let value = BoundedInteger.parse(text, in: 1...Self.maximumValues) else {
                throw NGSIError(.badRequestData, "lastN is a whole number from 1 to \(Self.maximumValues).")
            }
            lastN = value
        }
        if let attrs = parameters["attrs"] { attributes = Set(try EntityQuery.list(attrs, name: "attrs", check: NGSINames.isName)) }
        let options = Set((parameters["options"] ?? "").split(separator: ",").map(String.init))
        temporalValues = options.contains("temporalValues")
        if options.contains("aggregatedValues") || parameters["aggrMethods"] != nil {
            try readAggregation(parameters)
        }
    }

    private mutating func readAggregation(_ parameters: [String: String]) throws(NGSIError) {
        let names = (parameters["aggrMethods"] ?? "").split(separator: ",").map(String.init)
        methods = names.compactMap(Method.init(rawValue:))
        guard !names.isEmpty, methods.count == names.count else {
            throw NGSIError(.badRequestData, "aggrMethods lists one or more of \(Method.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard let duration = parameters["aggrPeriodDuration"].flatMap(Self.duration), duration >= 60_000, duration <= 366 * 86_400_000 else {
            throw NGSIError(.badRequestData, "aggrPeriodDuration is an ISO 8601 duration from PT1M to P366D (PT1H, P1D…).")
        }
        period = duration
        guard (to - from) / duration <= Int64(Self.maximumBuckets) || to == Int64.max / 4 else {
            throw NGSIError(.tooManyResults, "The window holds more than \(Self.maximumBuckets) periods; widen aggrPeriodDuration.")
        }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// `P[nD][T[nH][nM][nS]]` in milliseconds (whole numbers, at most six digits each); nil for anything else.
    static func duration(_ text: String) -> Int64? {
        var rest = Substring(text)
        guard rest.first == "P", text.utf8.count <= 40 else { return nil }
        rest = rest.dropFirst()
        var total: Int64 = 0, inTime = false, parts = 0
        while !rest.isEmpty {
            if rest.first == "T" {
                guard !inTime else { return nil }
                inTime = true
                rest = rest.dropFirst()
                continue
            }
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 6, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = rest.first else { return nil }
            rest = rest.dropFirst()
            switch (unit, inTime) {
            case ("D", false): total += value * 86_400_000
            case ("W", false): total += value * 7 * 86_400_000
            case ("H", true): total += value * 3_600_000
            case ("M", true): total += value * 60_000
            case ("S", true): total += value * 1000
            default: return nil
            }
            parts += 1
        }
        return parts > 0 ? total : nil
    }
}
