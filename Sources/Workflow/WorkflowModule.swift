import FluentKit
import Foundation
import Hummingbird
import Platform

/// The workflow engine's manifest: its tables, the process definitions of the city, and a read API over them.
public struct WorkflowModule: PlatformModule {
    public let store: WorkflowStore

    public init(profile: CityProfile) throws {
        self.store = WorkflowStore(library: try ProcessLibrary(profile: profile), calendar: profile.calendar)
    }

    public var name: String { "workflow" }
    public var migrations: [any Migration] { [CreateWorkflowTables()] }

    public func addRoutes(to routes: SecuredRouter) {
        let library = store.library
        routes.on(.get, "/api/v1/workflow/processes", access: .everyone, summary: "The city's process definitions") { _, _ in
            JSONResponse(library.processes.values.sorted { $0.code < $1.code })
        }
        routes.on(.get, "/api/v1/workflow/processes/:code", access: .everyone, summary: "One process definition") { _, context in
            guard let definition = library[context.parameters.get("code") ?? ""] else { throw Problem.notFound("No such process.") }
            return JSONResponse(definition)
        }
    }
}
