import Foundation
import Hummingbird
import Platform
import Web

/// The analysts' event search: by unit, host, type, category, days in the city's calendar and malformed only, the
/// newest 200 first, each with its fields and its raw bytes as received.
extension SecurityPages {
    @Sendable func events(_ request: Request, context: HuesRequestContext) async throws -> Response {
        try access.requireAnalyst(try context.requirePrincipal())
        let query = request.uri.queryParameters
        func text(_ key: String) -> String? {
            guard let value = query.get(key)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return String(value.prefix(255))
        }
        var filter = SecurityEventSearch.Filter()
        filter.units = text("unit").map { [$0] }
        filter.host = text("host")
        filter.eventType = text("type")
        filter.category = text("category")
        var problems: [String] = []
        for (key, end) in [("from", false), ("to", true)] {
            guard let day = text(key) else { continue }
            guard let bounds = Self.day(day, timeZone: profile.calendar.timeZone),
                  let milliseconds = SecurityEventRecord.milliseconds(end ? bounds.end : bounds.start) else {
                problems.append(key)
                continue
            }
            if end { filter.toMs = milliseconds } else { filter.fromMs = milliseconds }
        }
        filter.malformedOnly = query.get("malformed") == "on"
        filter.limit = 200
        let found = problems.isEmpty ? try await search.events(filter, logger: context.logger) : []
        let units = [("platform", "platform"), ("unassigned", "unassigned")] + profile.units.map { ($0.code, unitName($0.code, context)) }
        return try renderer.page("soc-events", title: "soc_events_title", context: context, values: [
            "units": units.map { ["code": $0.0, "name": $0.1, "selected": $0.0 == text("unit")] },
            "host": text("host") ?? "", "type": text("type") ?? "", "category": text("category") ?? "",
            "from": text("from") ?? "", "to": text("to") ?? "", "malformed": filter.malformedOnly,
            "badDays": !problems.isEmpty, "events": found.map { eventValues($0, context: context) }, "noEvents": found.isEmpty,
            "count": found.count, "limited": found.count == filter.limit,
        ])
    }

    func eventValues(_ event: SecurityEventSearch.StoredEvent, context: HuesRequestContext) -> [String: Any] {
        let raw = Data(base64Encoded: event.raw) ?? Data()
        // What the sender wrote, shown as text; bytes that are not UTF-8 show as replacement characters.
        let rawText = String(decoding: raw.prefix(4_096), as: UTF8.self)
        let summary = ["message", "rule.name", "file.name", "process.command_line", "url.original", "source.ip"]
            .compactMap { key in event.fields[key].flatMap { if case .string(let text) = $0 { return "\(key): \(text.prefix(200))" } else { return nil } } }
            .first ?? ""
        return ["id": event.id, "unit": event.unit, "unitName": unitName(event.unit, context), "source": event.source,
                "occurredAt": renderer.clock.text(event.occurredAt), "host": event.host ?? "—", "category": event.category ?? "—",
                "type": event.type ?? "—", "summary": summary, "raw": rawText, "malformed": event.malformed ?? "", "isMalformed": event.malformed != nil]
    }

    /// The start and end of a `YYYY-MM-DD` day in the city's zone (years 2000–2100); nil for anything else.
    static func day(_ text: String, timeZone: TimeZone) -> (start: Date, end: Date)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (2000...2100).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar), let start = calendar.date(from: components),
              let end = calendar.date(byAdding: .day, value: 1, to: start) else { return nil }
        return (start, end)
    }
}
