import Foundation
import Hummingbird
import Logging
import Platform
import SQLKit

/// Admins enter the figures kept outside the platform one by one, or a file of them at once.
extension ScorecardReading {
    struct Imported: Encodable {
        /// Figures new or changed, each kept with its event.
        var saved: Int
        /// Figures already kept with the same numbers and source: not written again.
        var unchanged: Int
        var figures: [OutsideFigure]
    }

    /// An admin enters one figure; the indicator must be one the city keeps outside the platform.
    func enter(_ input: OutsideFigureInput, principal: Principal, logger: Logger) async throws -> OutsideFigure {
        let refused = refusals(input)
        guard refused.isEmpty else { throw Problem.validation(refused) }
        let figure = figure(input, by: principal, at: clock())
        try await database.write(logger: logger) { db in try await OutsideFigures.save(figure, actorID: principal.accountID, on: db) }
        return figure
    }

    /// `POST /api/v1/performance/outside-figures/import?period=`: a CSV file (`OutsideFiguresFile`), every line checked
    /// as if entered alone. One bad line refuses the file with every reason and keeps nothing; a good file is kept in one
    /// transaction, a figure entered again replacing the one before; a figure already kept as the file gives it is not
    /// written again, so a file sent twice changes nothing and logs nothing.
    func importFile(_ request: Request, principal: Principal, context: HuesRequestContext) async throws -> Imported {
        var request = request
        guard request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true else {
            throw Problem(status: .unsupportedMediaType, type: "unsupported-media-type", title: "Unsupported media type", detail: "Send the figures as text/csv.")
        }
        let body = try await request.collectBody(upTo: min(context.maxBodyBytes, 1 << 20))
        guard let text = String(validating: Data(buffer: body), as: UTF8.self) else { throw Problem.malformedBody("The file is not UTF-8 text.") }
        let asked = request.uri.queryParameters.get("period") ?? ""
        let period: String? = asked.isEmpty ? nil : String(asked)
        let (lines, malformed) = OutsideFiguresFile.parse(text, period: period)
        let refused = malformed + lines.flatMap { line in
            refusals(line.input).map { Problem.FieldError(field: "line \(line.line): \($0.field)", message: $0.message) }
        }
        guard refused.isEmpty else {
            let more = refused.count > 200 ? [Problem.FieldError(field: "file", message: "and \(refused.count - 200) more refusals")] : []
            throw Problem.validation(Array(refused.prefix(200)) + more)
        }
        guard !lines.isEmpty else { throw Problem.validation([.init(field: "file", message: "has no figures under its header")]) }
        let now = clock()
        let figures = lines.map { figure($0.input, by: principal, at: now) }
        let changed = try await database.write(logger: context.logger) { db -> [OutsideFigure] in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            var kept: [String: OutsideFigure] = [:]
            for period in Set(figures.map { $0.period }) {
                for figure in try await OutsideFigures.entered(period: period, unit: nil, on: sql) { kept[figure.key] = figure }
            }
            let changed = figures.filter { figure in
                kept[figure.key].map { ($0.numerator, $0.denominator, $0.source) != (figure.numerator, figure.denominator, figure.source) } ?? true
            }
            for figure in changed { try await OutsideFigures.save(figure, actorID: principal.accountID, on: db) }
            return changed
        }
        return Imported(saved: changed.count, unchanged: figures.count - changed.count, figures: figures)
    }

    /// Why `input` cannot be entered in this city: the indicator must be one it keeps outside the platform, the unit
    /// one of its own, the period one that reads.
    func refusals(_ input: OutsideFigureInput) -> [Problem.FieldError] {
        var refused: [Problem.FieldError] = []
        if !indicators.contains(where: { $0.code == input.indicator && $0.formula == .outside }) {
            let outside = indicators.filter { $0.formula == .outside }.map(\.code).joined(separator: ", ")
            refused.append(.init(field: "indicator", message: "must be one kept outside the platform: \(outside)"))
        }
        if !profile.units.contains(where: { $0.code == input.unit }) { refused.append(.init(field: "unit", message: "is not a unit of the city")) }
        if ReportingPeriod(input.period) == nil { refused.append(.init(field: "period", message: "is not a period")) }
        return refused
    }

    /// The figure to keep, once `refusals` found nothing: the period as the platform writes it, the source trimmed.
    func figure(_ input: OutsideFigureInput, by principal: Principal, at moment: Date) -> OutsideFigure {
        OutsideFigure(unit: input.unit, period: ReportingPeriod(input.period)?.label ?? input.period, indicator: input.indicator,
                      numerator: input.numerator, denominator: input.denominator,
                      source: input.source.trimmingCharacters(in: .whitespacesAndNewlines), enteredBy: principal.username, enteredAt: moment)
    }
}
