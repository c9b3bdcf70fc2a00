import Foundation
import Hummingbird
import Logging
import Platform
import Web

extension ScorecardReading {
    /// Each unit with cases in the period, its scorecard from the city's tallies, best share of the points it could
    /// earn first (units with nothing to score last, by code). Units without a case are not ranked. One grouped count
    /// and one read of the entered figures serve every unit.
    func ranking(_ asked: Asked, logger: Logger) async throws -> [(unit: String, card: Scorecard)] {
        let tallies = Dictionary(grouping: try await tallies(of: asked, logger: logger), by: \.unitCode)
        let entered = Dictionary(grouping: try await OutsideFigures.covering(asked.period, unit: asked.unit,
                                                                           on: try database.sql(logger: logger)), by: \.unit)
        let ranked = tallies.map { unit, tallies in
            (unit: unit, card: Scorecard(unit: unit, period: asked.period, asOf: asked.asOf, tallies: tallies, indicators: indicators,
                                         outside: OutsideFigures.sums(entered[unit] ?? [])))
        }
        func share(_ card: Scorecard) -> Double { card.pointsPossible > 0 ? card.points / card.pointsPossible : -1 }
        return ranked.sorted { (share($0.card), $1.unit) > (share($1.card), $0.unit) }
    }

    /// The scorecard of a unit (or the city) for a period, as of now or the period's end.
    func card(unit: String?, period: ReportingPeriod, logger: Logger) async throws -> Scorecard {
        try await card(of: Asked(unit: unit, period: period, asOf: min(clock(), period.instants(in: profile.calendar).end)), logger: logger)
    }

    /// A unit's (or the city's) points as a share of those it could earn, month by month: the six months up to the
    /// one the period ends in. Months with nothing to score break the line rather than drawing a zero.
    func trend(unit: String?, ending period: ReportingPeriod, logger: Logger) async throws -> [(label: String, value: Double?)] {
        var months: [ReportingPeriod] = []
        var year = period.last.year, month = period.last.month
        for _ in 0..<6 {
            if let each = ReportingPeriod(String(format: "%04d-%02d", year, month)) { months.insert(each, at: 0) }
            month -= 1
            if month == 0 { (year, month) = (year - 1, 12) }
        }
        var points: [(label: String, value: Double?)] = []
        for each in months {
            let card = try await card(unit: unit, period: each, logger: logger)
            points.append((String(format: "%02d/%04d", each.first.month, each.first.year), card.pointsPossible > 0 ? 100 * card.points / card.pointsPossible : nil))
        }
        return points
    }

    func unitName(_ code: String, _ language: String) -> String {
        guard let unit = profile.units.first(where: { $0.code == code }) else { return code }
        return language == "en" ? unit.nameEn ?? unit.name : unit.name
    }
}

extension OfficerReading {
    /// `GET /api/v1/performance/report.pdf?unit=&period=&lang=`: the period's report of a unit (sealed by that unit)
    /// or of the city (sealed by the province), as a PDF anyone can verify.
    func report(_ request: Request, principal: Principal, seal: (any UnitSealing)?, verifyAt: String, logger: Logger) async throws -> Response {
        let language = request.uri.queryParameters.get("lang") == "en" ? "en" : "vi"
        let asked = try await cards.received(request, principal: principal, logger: logger)
        guard let seal else {
            throw Problem(status: .serviceUnavailable, type: "cannot-sign", title: "Reports cannot be sealed",
                          detail: "Reports leave sealed by their issuing unit, and the signatures module is switched off.")
        }
        let issuer = asked.unit ?? profile.units.first(where: { $0.kind == .province })?.code ?? ""
        var report = MonthlyReport(card: try await cards.card(of: asked, logger: logger), issuer: cards.unitName(issuer, language),
                                   subject: asked.unit.map { cards.unitName($0, language) } ?? profile.city.name, language: language,
                                   generatedAt: CityClock(timeZone: profile.calendar.timeZone).text(asked.asOf))
        report.trend = try await cards.trend(unit: asked.unit, ending: asked.period, logger: logger)
        if let unit = asked.unit {
            let people = try await scores(unit: unit, period: asked.period, logger: logger).people
            report.grades = Dictionary(grouping: people, by: { $0.grade?.rawValue ?? "pending" }).mapValues(\.count)
        } else {
            report.ranking = try await cards.ranking(asked, logger: logger).map { entry in
                MonthlyReport.Ranked(name: cards.unitName(entry.unit, language), points: entry.card.points, possible: entry.card.pointsPossible)
            }
        }
        let name = "hues-766-\(asked.unit ?? "city")-\(asked.period.label).pdf"
        let sealed = try await seal.seal(pdf: Data(try report.pdf(verifyAt: verifyAt)), unit: issuer, document: name, logger: logger)
        return Response(status: .ok, headers: [.contentType: "application/pdf", .contentDisposition: "attachment; filename=\"\(name)\"",
                                               .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: sealed)))
    }
}
