import Foundation
import Hummingbird
import Platform

/// Event search, the units' computers and the rules in force with their hit counts.
struct SecurityReadRoutes {
    struct RuleEntry: Codable, Sendable {
        let id: String
        /// `detection`, or the correlation's type.
        let kind: String
        let title: String
        let level: String
        let tags: [String]
        let author: String?
        let file: String
        let hits: Int64
        let lastHit: Date?
    }

    let search: SecurityEventSearch
    let detection: SecurityDetection
    let access: SecurityAccess
    let reports: MonthlyReports

    func addRoutes(to routes: SecuredRouter) {
        // The raw logs name people (accounts, addresses, what they ran): the SOC's analysts only.
        routes.on(.get, "/api/v1/security/events", access: SecurityAccess.analysts,
                  summary: "Stored security events, newest first, filtered by unit, host, type, category, time, malformed") { request, context in
            let principal = try context.requirePrincipal()
            try access.requireAnalyst(principal)
            var filter = SecurityEventSearch.Filter()
            filter.units = access.scope(principal)
            if let unit = try text(request, "unit") {
                filter.units = filter.units.map { $0.filter { $0 == unit } } ?? [unit]
            }
            filter.host = try text(request, "host")
            filter.eventType = try text(request, "type")
            filter.category = try text(request, "category")
            filter.fromMs = try instant(request, "from")
            filter.toMs = try instant(request, "to")
            filter.malformedOnly = request.uri.queryParameters.get("malformed") == "true"
            filter.limit = try request.queryInteger("limit", in: 1...500) ?? 100
            return JSONResponse(try await search.events(filter, logger: context.logger))
        }
        routes.on(.get, "/api/v1/security/endpoints", access: SecurityAccess.reading,
                  summary: "The units' computers as their events show them; stale when not heard from in a week") { _, context in
            let principal = try context.requirePrincipal()
            return JSONResponse(try await search.endpoints(units: access.scope(principal), logger: context.logger))
        }
        routes.on(.get, "/api/v1/security/rules", access: SecurityAccess.analysts, summary: "Detection rules in force, with hit counts") { _, context in
            try access.requireAnalyst(try context.requirePrincipal())
            let hits = try await search.ruleHits(logger: context.logger)
            let rules = detection.rules.rules.map { rule in
                RuleEntry(id: rule.id, kind: "detection", title: rule.title, level: rule.level.rawValue, tags: rule.tags, author: rule.author,
                          file: URL(fileURLWithPath: rule.file).lastPathComponent, hits: hits[rule.id]?.hits ?? 0, lastHit: hits[rule.id]?.last)
            }
            let correlations = detection.rules.correlations.map { rule in
                RuleEntry(id: rule.id, kind: rule.kind.rawValue, title: rule.title, level: rule.level.rawValue, tags: rule.tags, author: rule.author,
                          file: URL(fileURLWithPath: rule.file).lastPathComponent, hits: hits[rule.id]?.hits ?? 0, lastHit: hits[rule.id]?.last)
            }
            return JSONResponse(rules + correlations)
        }
        addReportRoutes(to: routes)
    }

    func addReportRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/security/reports/monthly", access: SecurityAccess.reading,
                  summary: "A month's blocked events by category and unit, top hosts and rules (format=csv for a spreadsheet)") { request, context in
            let principal = try context.requirePrincipal()
            let month = request.uri.queryParameters.get("month") ?? ""
            guard let report = try await reports.report(month: month, units: access.scope(principal), logger: context.logger) else {
                throw Problem.validation([.init(field: "month", message: "a month such as 2026-12")])
            }
            guard request.uri.queryParameters.get("format") == "csv" else { return try JSONResponse(report).response(from: request, context: context) }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                                   .contentDisposition: "attachment; filename=\"soc-\(month).csv\""],
                            body: .init(byteBuffer: ByteBuffer(string: report.csv)))
        }
    }

    private func text(_ request: Request, _ key: String) throws -> String? {
        guard let value = request.uri.queryParameters.get(key), !value.isEmpty else { return nil }
        guard value.utf8.count <= 255 else { throw Problem.validation([.init(field: key, message: "at most 255 bytes")]) }
        return value
    }

    /// An RFC 3339 time in the query, as milliseconds.
    private func instant(_ request: Request, _ key: String) throws -> Int64? {
        guard let value = try text(request, key) else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: value), let milliseconds = SecurityEventRecord.milliseconds(date) else {
            throw Problem.validation([.init(field: key, message: "a time such as 2026-12-01T00:00:00+07:00")])
        }
        return milliseconds
    }
}
