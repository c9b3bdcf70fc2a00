import Foundation
import Hummingbird
import Logging
import Platform
import Web

/// The pages: an officer's "my performance", a leader's "my unit" (scorecard, trend, people, cases at stake) and the
/// city's dashboard (units ranked, each a link to its page). Every figure sits next to its formula in words.
struct PerformancePages: Sendable {
    let cards: ScorecardReading
    let officers: OfficerReading
    let renderer: PageRenderer

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/performance", access: .roles([.officer, .unitLeader, .iocOperator, .admin]), kind: .page,
                  summary: "My performance: my Decree 335 score and the work behind it", use: mine)
        routes.on(.get, "/performance/unit", access: .roles([.unitLeader, .iocOperator, .admin]), kind: .page,
                  summary: "A unit's Decision 766 scorecard, its trend, its people and the cases at stake", use: unit)
        routes.on(.get, "/performance/city", access: .roles([.iocOperator, .admin]), kind: .page,
                  summary: "The city's scorecard and its units ranked", use: city)
        routes.on(.get, "/performance/cases", access: .roles([.unitLeader, .iocOperator, .admin]), kind: .page,
                  summary: "The cases behind one figure of a scorecard, each with why it counts or not", use: casesPage)
        routes.on(.get, "/emulation", access: .everyone, kind: .page,
                  summary: "The city's emulation movements, the units' initiatives as evaluated, and the awards given", use: emulation)
    }

    @Sendable func casesPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let language = context.language
        let page = try await cards.cases(request, principal: try context.requirePrincipal(), logger: context.logger)
        let query = "indicator=\(page.indicator.code)&period=\(page.period.label)" + (page.unit.map { "&unit=\($0)" } ?? "")
        return try renderer.page("performance-cases", title: "perf_cases_title", context: context, values: [
            "code": page.indicator.code, "name": page.indicator.name[language] ?? page.indicator.code,
            "explanation": page.indicator.explanation[language] ?? "", "period": page.period.label,
            "unitName": page.unit.map { unitName($0, language) } ?? profile.city.name, "empty": page.cases.isEmpty,
            "cases": page.cases.map { item -> [String: Any] in
                let code = String(item.subject.drop { $0 != ":" }.dropFirst())
                return ["subject": item.subject, "link": item.subject.hasPrefix("dossier:") ? "/dossiers/\(code)" : "/reports/\(code)",
                        "received": renderer.clock.text(item.receivedAt), "due": renderer.clock.text(item.dueAt),
                        "finished": renderer.clock.text(item.finishedAt), "channel": item.channel ?? "",
                        "rating": item.rating.map(String.init) ?? "", "overdue": item.overdue, "disliked": item.disliked, "paused": item.paused,
                        "lastEvent": item.lastEvent]
            },
            "next": page.next.map { "/performance/cases?\(query)&after=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" } ?? "",
        ])
    }

    @Sendable func emulation(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let language = context.language
        let movements = try await EmulationAPI(cards: cards).movements(logger: context.logger)
        return try renderer.page("emulation", title: "emulation_title", context: context, values: [
            "movements": movements.map { view -> [String: Any] in
                ["code": view.movement.code, "name": view.movement.name, "period": view.movement.period,
                 "explanation": view.explanation[language] ?? "", "none": view.initiatives.isEmpty,
                 "initiatives": view.initiatives.map { item -> [String: Any] in
                     ["unitName": unitName(item.unit, language), "title": item.title,
                      "dataScore": item.evaluation.dataScore.map(SVGChart.format) ?? "—",
                      "councilPoints": item.evaluation.councilPoints.map(SVGChart.format) ?? "—",
                      "evaluation": item.evaluation.evaluation.map(SVGChart.format) ?? "—",
                      "award": item.award.map { "\($0.title) (\($0.decision))" } ?? ""]
                 }]
            },
            "empty": movements.isEmpty,
        ])
    }

    var profile: CityProfile { cards.profile }

    @Sendable func mine(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let language = context.language
        let period = try cards.period(request.uri.queryParameters.get("period"))
        let scores = try await officers.mine(request, principal: principal, logger: context.logger)
        let words = renderer.translations.table(for: language)
        return try renderer.page("performance-mine", title: "perf_mine_title", context: context, values: [
            "period": period.label,
            "scores": scores.map { score(values: $0, words: words, language: language, products: true) },
            "empty": scores.isEmpty,
            "leads": principal.has(.unitLeader),
            "seesCity": cards.seesCity(principal),
        ])
    }

    @Sendable func unit(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let language = context.language
        let words = renderer.translations.table(for: language)
        let asked = try await cards.received(request, principal: principal, logger: context.logger)
        guard let unit = asked.unit else {
            return Response(status: .seeOther, headers: [.location: "/performance/city?period=\(asked.period.label)"])
        }
        let card = try await cards.card(of: asked, logger: context.logger)
        let people = try await officers.scores(unit: unit, period: asked.period, logger: context.logger).people
        let whatIf = WhatIf(card: card, facts: try await cards.facts(of: asked, logger: context.logger), limit: 10)
        let trend = try await cards.trend(unit: unit, ending: asked.period, logger: context.logger)
        return try renderer.page("performance-unit", title: "perf_unit_title", context: context, values: [
            "unit": unit, "unitName": unitName(unit, language), "period": asked.period.label,
            "points": SVGChart.format(card.points), "possible": SVGChart.format(card.pointsPossible), "outside": SVGChart.format(card.pointsOutside),
            "lines": card.lines.map { line(values: $0, language: language) },
            "chart": SVGChart.bars(card.lines.map(bar(language: language)), title: words["perf_chart_lines"] ?? "", id: "scorecard-chart"),
            "trend": SVGChart.trend(trend, max: 100, title: words["perf_chart_trend"] ?? "", id: "trend-chart"),
            "people": people.map { score(values: $0, words: words, language: language, products: false) },
            "atStake": whatIf.cases.map { ["subject": $0.subject, "due": renderer.clock.text($0.dueAt),
                                            "points": SVGChart.format($0.points), "paused": $0.paused] as [String: Any] },
            "atStakeTotal": whatIf.total, "noneAtStake": whatIf.cases.isEmpty,
            "whatIfExplanation": whatIf.explanation[language] ?? "",
        ])
    }

    @Sendable func city(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let language = context.language
        let words = renderer.translations.table(for: language)
        let period = try cards.period(request.uri.queryParameters.get("period"))
        guard cards.seesCity(principal) else { throw Problem.forbidden("Only the operations centre and admins see the whole city.") }
        // The city's page is the city's, whatever `unit` the address carries.
        let asked = Asked(unit: nil, period: period, asOf: min(cards.clock(), period.instants(in: profile.calendar).end))
        let card = try await cards.card(of: asked, logger: context.logger)
        let byUnit = Dictionary(grouping: try await cards.tallies(of: asked, logger: context.logger), by: \.unitCode)
            .mapValues { $0.reduce(0) { $0 + $1.received } }
        let ranked = try await cards.ranking(asked, logger: context.logger)
        let bars = ranked.map { entry in
            SVGChart.Bar(label: unitName(entry.unit, language), value: entry.card.points, max: entry.card.pointsPossible,
                         note: "\(SVGChart.format(entry.card.points)) / \(SVGChart.format(entry.card.pointsPossible))",
                         link: "/performance/unit?unit=\(entry.unit.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&period=\(period.label)")
        }
        let trend = try await cards.trend(unit: nil, ending: period, logger: context.logger)
        return try renderer.page("performance-city", title: "perf_city_title", context: context, values: [
            "period": period.label, "points": SVGChart.format(card.points), "possible": SVGChart.format(card.pointsPossible),
            "lines": card.lines.map { line(values: $0, language: language) },
            "ranking": SVGChart.bars(bars, title: words["perf_chart_ranking"] ?? "", id: "ranking-chart"),
            "trend": SVGChart.trend(trend, max: 100, title: words["perf_chart_trend"] ?? "", id: "trend-chart"),
            "units": ranked.enumerated().map { index, entry in
                ["rank": index + 1, "unit": entry.unit, "unitName": unitName(entry.unit, language), "points": SVGChart.format(entry.card.points),
                 "possible": SVGChart.format(entry.card.pointsPossible), "share": percent(share(entry.card)), "cases": byUnit[entry.unit] ?? 0,
                 "period": period.label] as [String: Any]
            },
            "empty": ranked.isEmpty,
        ])
    }

    func share(_ card: Scorecard) -> Double { card.pointsPossible > 0 ? card.points / card.pointsPossible : -1 }

    func percent(_ share: Double?) -> String {
        guard let share, share >= 0 else { return "—" }
        return SVGChart.format(share * 100) + " %"
    }

    func unitName(_ code: String, _ language: String) -> String { cards.unitName(code, language) }

    func bar(language: String) -> (Scorecard.Line) -> SVGChart.Bar {
        { line in
            SVGChart.Bar(label: "\(line.indicator.code) \(line.indicator.name[language] ?? line.indicator.code)", value: line.points,
                         max: line.indicator.maxPoints,
                         note: line.points.map { "\(SVGChart.format($0)) / \(SVGChart.format(line.indicator.maxPoints))" } ?? "— / \(SVGChart.format(line.indicator.maxPoints))")
        }
    }

    func line(values line: Scorecard.Line, language: String) -> [String: Any] {
        // Every key is set, empty when unknown: Mustache would otherwise find the page's own `points` one level up.
        var counted = ""
        if let numerator = line.numerator, let denominator = line.denominator { counted = "\(numerator) / \(denominator)" }
        return [
            "code": line.indicator.code, "name": line.indicator.name[language] ?? line.indicator.code,
            "explanation": line.indicator.explanation[language] ?? "", "max": SVGChart.format(line.indicator.maxPoints),
            "outside": line.indicator.formula == .outside && line.points == nil, "counted": counted, "rate": line.rate.map(percent) ?? "",
            "linePoints": line.points.map(SVGChart.format) ?? "—", "enteredFrom": line.enteredFrom?.joined(separator: "; ") ?? "",
            "casesLink": line.cases.map { $0.replacingOccurrences(of: "/api/v1/performance/cases", with: "/performance/cases") } ?? "",
        ]
    }

    func score(values score: OfficerScore, words: [String: String], language: String, products: Bool) -> [String: Any] {
        var values: [String: Any] = [
            "officerID": score.officerID, "name": score.name, "unit": score.unit, "unitName": unitName(score.unit, language), "leader": score.leader,
            "productCount": score.productCount, "units": SVGChart.format(score.units), "target": SVGChart.format(score.target),
            "quantity": percent(score.quantity), "quality": percent(score.quality), "progress": percent(score.progress),
            "taskPoints": score.taskPoints.map(SVGChart.format) ?? "—", "generalPoints": score.generalPoints.map(SVGChart.format) ?? "—",
            "total": score.total.map(SVGChart.format) ?? "—", "capped": score.capped,
            "grade": score.grade.map { words["perf_grade_\($0.rawValue)"] ?? $0.rawValue } ?? (words["perf_grade_pending"] ?? ""),
            "gradeClass": score.grade?.rawValue ?? "pending", "explanation": score.explanation[language] ?? "",
        ]
        if products {
            values["products"] = score.products.map { product -> [String: Any] in
                ["seq": product.seq, "subject": product.subject, "action": product.action, "at": renderer.clock.text(product.at),
                 "units": SVGChart.format(product.units), "quality": percent(product.quality), "progress": percent(product.progress),
                 "late": product.late, "excused": product.excused ?? "", "faults": product.faults.map(String.init).joined(separator: ", ")]
            }
        }
        return values
    }
}
