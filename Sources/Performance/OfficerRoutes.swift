import Foundation
import Hummingbird
import Platform

extension PerformanceModule {
    func addOfficerRoutes(to routes: SecuredRouter, cards: ScorecardReading) {
        let reading = OfficerReading(cards: cards, rules: rules, staff: context.capabilities.first((any StaffDirectory).self))
        if let renderer { PerformancePages(cards: cards, officers: reading, renderer: renderer).addRoutes(to: routes) }
        let seal = context.capabilities.first((any UnitSealing).self)
        let verifyAt = context.configuration.publicBaseURL + "/verify"
        routes.on(.get, "/api/v1/performance/report.pdf", access: .roles([.unitLeader, .iocOperator, .admin]),
                  summary: "The period's report of a unit or the city as a PDF sealed by the issuing unit") { request, context in
            try await reading.report(request, principal: try context.requirePrincipal(), seal: seal, verifyAt: verifyAt, logger: context.logger)
        }
        routes.on(.get, "/api/v1/performance/officers", access: .roles([.unitLeader, .iocOperator, .admin]),
                  summary: "The Decree 335 scores and grades of a unit's people for a period") { request, context in
            JSONResponse(try await reading.unit(request, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.get, "/api/v1/performance/officers/me", access: .roles([.officer, .unitLeader]),
                  summary: "The caller's own Decree 335 score in each unit they work in, with the products behind it") { request, context in
            JSONResponse(try await reading.mine(request, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.get, "/api/v1/performance/officers/:id", access: .roles([.officer, .unitLeader, .iocOperator, .admin]),
                  summary: "One person's Decree 335 score with every product behind it (officers: their own)") { request, context in
            JSONResponse(try await reading.officer(context.parameters.get("id") ?? "", request, principal: try context.requirePrincipal(),
                                                   logger: context.logger))
        }
        routes.on(.put, "/api/v1/performance/officers/:id/assessment", access: .roles([.unitLeader, .admin]),
                  summary: "Enter the 30-point general part of a person's grade for a period (their unit's leader)") { request, context in
            var request = request
            let input = try await request.decodeValid(AssessmentInput.self, context: context)
            return JSONResponse(try await reading.assess(context.parameters.get("id") ?? "", input, principal: try context.requirePrincipal(),
                                                         logger: context.logger))
        }
        routes.on(.put, "/api/v1/performance/work/:seq/excuse", access: .roles([.unitLeader, .admin]),
                  summary: "Confirm an objective cause for a late step, so it does not reduce the officer's progress") { request, context in
            guard let seq = context.parameters.get("seq").flatMap({ BoundedInteger.parse($0, in: 1...Int.max) }) else {
                throw Problem.notFound("No such step of work.")
            }
            var request = request
            let input = try await request.decodeValid(ExcuseInput.self, context: context)
            return JSONResponse(try await reading.excuse(seq, input, principal: try context.requirePrincipal(), logger: context.logger))
        }
    }
}
