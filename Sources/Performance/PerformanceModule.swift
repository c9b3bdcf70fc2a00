import FluentKit
import Foundation
import Hummingbird
import Logging
import Platform
import Web

/// Governing by data: the Decision 766 scorecard of each unit and of the city, computed only from the event log
/// (the cases projection, `CaseProjection`), never typed in by hand.
public struct PerformanceModule: PlatformModule {
    public let projection: CaseProjection
    /// The Decision 766 set, as the other modules contribute it in their manifests.
    public let indicators: [Indicator766]
    let context: ModuleContext
    let rules: OfficerRules
    let renderer: PageRenderer?

    /// - Parameter declarations: every module's indicator declarations (App passes them when it builds the modules).
    public init(context: ModuleContext, declarations: [IndicatorDeclaration], renderer: PageRenderer? = nil) throws {
        self.context = context
        self.renderer = renderer
        projection = CaseProjection(database: context.database)
        // The city's own adjustments to the set, if its profile makes any; a set that does not read stops the start.
        let file = context.profile.folder.appendingPathComponent("performance.json")
        let json = FileManager.default.fileExists(atPath: file.path) ? try Data(contentsOf: file) : nil
        indicators = try IndicatorDefinitions.apply(json, to: Indicator766.set(from: declarations)).get()
        rules = try OfficerRules.load(from: context.profile)
    }

    public var name: String { "performance" }
    public var resources: ModuleResources? { ModuleResources(bundle: .module) }
    public var migrations: [any Migration] { [CreatePerformanceTables(), CreateOfficerTables(), CreateOutsideFigures(), CreateEmulationTables(), CreateTallyIndex()] }

    public var navigation: [NavigationEntry] {
        [NavigationEntry(label: "nav_performance", path: "/performance", order: 85, access: .roles([.officer, .unitLeader, .iocOperator, .admin])),
         NavigationEntry(label: "nav_emulation", path: "/emulation", order: 86, access: .everyone)]
    }

    public var events: [EventDeclaration] {
        [EventDeclaration("performance.assessment.entered", payload: "period, generalPoints, disqualified"),
         EventDeclaration("performance.delay.excused", payload: "step, reason"),
         EventDeclaration("performance.outside-figure.entered", payload: "period, numerator, denominator, source"),
         EventDeclaration("performance.movement.created", payload: "period"), EventDeclaration("performance.initiative.registered", payload: "movement"),
         EventDeclaration("performance.initiative.assessed", payload: "movement"), EventDeclaration("performance.initiative.awarded", payload: "movement")]
    }

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement((any StaffDirectory).self, required: false, reason: "a unit's officers and leaders are scored even in a month without work"),
         CapabilityRequirement((any UnitSealing).self, required: false, reason: "reports leave sealed by their issuing unit")]
    }

    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "performance_work", columns: ["officer_id", "officer_name"], category: "name and work record",
                           purpose: "scoring officers from their work (Decree 335/2025)", basis: .legalObligation, retention: "as the personnel file"),
         PersonalDataField(table: "performance_assessments", columns: ["officer_id", "general_points", "disqualified", "note", "entered_by"],
                           kind: .sensitive, category: "assessment", purpose: "the general part of an officer's grade", basis: .legalObligation,
                           retention: "as the personnel file"),
         PersonalDataField(table: "performance_excuses", columns: ["reason", "entered_by"], kind: .sensitive, category: "assessment",
                           purpose: "why a late step was not the officer's fault", basis: .legalObligation, retention: "as the personnel file"),
         PersonalDataField(table: "performance_initiatives", columns: ["registered_by", "council_note"], category: "name and assessment",
                           purpose: "who registered a unit's initiative and what the emulation council noted", basis: .legalObligation,
                           retention: "as the emulation records"),
         PersonalDataField(table: "performance_outside_figures", columns: ["entered_by"], category: "name",
                           purpose: "who entered a figure kept outside the platform", basis: .legalObligation, retention: "as the scorecards")]
    }

    public var backgroundWork: [BackgroundWork] {
        // One cursor: one instance applies the events, others wait for its lease.
        // Woken by every commit of an event it reads, so a scorecard shows an event within a second; the interval
        // is for what another instance committed while the link between them was down.
        [BackgroundWork("performance figures from the event log", every: .seconds(5), singleInstance: true,
                        wakeOn: (CaseProjection.topics, context.database.changes)) { [projection] logger in
            let read = try await projection.catchUp(logger: logger)
            if read > 0 { logger.debug("performance figures caught up", metadata: ["events": "\(read)"]) }
        }]
    }

    var reading: ScorecardReading {
        ScorecardReading(database: context.database, profile: context.profile, indicators: indicators, clock: context.clock)
    }

    /// The scorecard of a unit (nil: the city) for a period, as of now or the period's end, for benchmarks in this
    /// package. It checks no one's access: routes go through `ScorecardReading.scope`.
    package func scorecard(unit: String?, period: ReportingPeriod, logger: Logger) async throws -> Scorecard {
        try await reading.card(unit: unit, period: period, logger: logger)
    }

    /// The field-report figures of a unit (nil: the city) for a period; who may see them is the caller's to decide.
    package func fieldReportFigures(unit: String?, period: ReportingPeriod, logger: Logger) async throws -> FieldReportFigures {
        let asked = Asked(unit: unit, period: period, asOf: min(context.clock(), period.instants(in: context.profile.calendar).end))
        return FieldReportFigures(unit: unit, period: period, asOf: asked.asOf, facts: try await reading.facts(of: asked, kind: "field-report", logger: logger),
                                  calendar: context.profile.calendar)
    }

    public func addRoutes(to routes: SecuredRouter) {
        let reading = self.reading
        routes.on(.get, "/api/v1/performance/scorecard", access: .roles([.unitLeader, .iocOperator, .admin]),
                  summary: "The Decision 766 scorecard of a unit or the city for a period (leaders: their own units)") { request, context in
            JSONResponse(try await reading.scorecard(request, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.get, "/api/v1/performance/scorecard.csv", access: .roles([.unitLeader, .iocOperator, .admin]),
                  summary: "The same scorecard as CSV, a line per indicator") { request, context in
            ScorecardCSV.response(try await reading.scorecard(request, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.get, "/api/v1/performance/field-reports", access: .roles([.unitLeader, .iocOperator, .admin]),
                  summary: "Field-report figures per unit and category for a period, and the units ranked by on-time rate") { request, context in
            JSONResponse(try await reading.fieldReportFigures(request, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.get, "/api/v1/performance/cases", access: .roles([.unitLeader, .iocOperator, .admin]),
                  summary: "The cases behind one indicator of a scorecard, each with why it counts or not") { request, context in
            JSONResponse(try await reading.cases(request, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.get, "/api/v1/performance/what-if", access: .roles([.unitLeader, .iocOperator, .admin]),
                  summary: "A unit's open cases ordered by the points its scorecard loses if each runs past its deadline") { request, context in
            JSONResponse(try await reading.whatIf(request, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.get, "/api/v1/performance/outside-figures", access: .roles([.unitLeader, .iocOperator, .admin]),
                  summary: "The figures entered for the Decision 766 indicators kept outside the platform") { request, context in
            JSONResponse(try await reading.outsideFigures(request, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.put, "/api/v1/performance/outside-figures", access: .roles([.admin]),
                  summary: "Enter a unit's figure for an indicator kept outside the platform, with its source") { request, context in
            var request = request
            let input = try await request.decodeValid(OutsideFigureInput.self, context: context)
            return JSONResponse(try await reading.enter(input, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.post, "/api/v1/performance/outside-figures/import", access: .roles([.admin]),
                  summary: "Enter a file of figures kept outside the platform (CSV); one bad line refuses the file with every reason") { request, context in
            JSONResponse(try await reading.importFile(request, principal: try context.requirePrincipal(), context: context))
        }
        addOfficerRoutes(to: routes, cards: reading)
        EmulationAPI(cards: reading).addRoutes(to: routes)
    }
}
