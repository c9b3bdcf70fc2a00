import Foundation
import Hummingbird
import Platform

/// `POST /api/v1/operations/simulator/flood`: in the demo, starts the scripted flood on the Perfume River so the
/// operations centre can watch the gauges rise and the alarm-level alerts trip. Elsewhere there is no simulator (404).
struct SimulatorRoutes {
    let sensors: DemoSensors?
    let broker: NGSIBroker

    struct Started: Codable {
        var startedAt: Date
        var peakAt: Date
        var endsAt: Date
    }

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.post, "/api/v1/operations/simulator/flood", access: .roles([.iocOperator, .admin]),
                  summary: "Demo only: start a flood on the Perfume River's gauges") { _, context in
            guard broker.mayUse(try context.requirePrincipal()) else { throw Problem.forbidden() }
            guard let sensors else { throw Problem.notFound("There is no sensor simulator outside the demo.") }
            let start = sensors.startFlood()
            try await sensors.tick(logger: context.logger)
            return JSONResponse(Started(startedAt: start, peakAt: start.addingTimeInterval(SensorSimulator.floodRise),
                                        endsAt: start.addingTimeInterval(SensorSimulator.floodRise + SensorSimulator.floodHold + SensorSimulator.floodFall)),
                                status: .accepted)
        }
    }
}
