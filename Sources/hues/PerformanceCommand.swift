import App
import ArgumentParser
import Foundation
import Performance
import Platform

struct PerformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "performance",
        abstract: "Governing by data: the projection of the event log the scorecards and officer scores are computed from.",
        subcommands: [CatchUp.self, Rebuild.self]
    )

    struct CatchUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "catch-up", abstract: "Apply the events the projection has not seen yet.")

        func run() async throws {
            try await withRuntime(try loadConfiguration()) { runtime in
                let started = ContinuousClock.now
                let applied = try await runtime.require(PerformanceModule.self).projection.catchUp(logger: runtime.logger)
                say("applied \(applied) events in \(started.duration(to: .now))")
            }
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget the cases and work products and build them again from the first event (leaders' entries are kept).")

        func run() async throws {
            try await withRuntime(try loadConfiguration()) { runtime in
                let started = ContinuousClock.now
                let applied = try await runtime.require(PerformanceModule.self).projection.rebuild(logger: runtime.logger)
                let took = started.duration(to: .now)
                let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
                say("rebuilt from \(applied) events in \(String(format: "%.2f", seconds)) s (\(seconds > 0 ? Int(Double(applied) / seconds) : 0) events/s)")
            }
        }
    }
}
