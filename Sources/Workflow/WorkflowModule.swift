import FluentKit
import Foundation
import Hummingbird
import Platform

/// The workflow engine's manifest: its tables, the process definitions of the city, and a read API over them.
///
/// Provides the `WorkflowStore` (dossiers and field reports run on it); asks identity for the staff directory and
/// notices for the board, to warn leaders when it escalates overdue cases.
public struct WorkflowModule: PlatformModule {
    public let store: WorkflowStore
    let context: ModuleContext

    public init(context: ModuleContext) throws {
        self.store = WorkflowStore(library: try ProcessLibrary(profile: context.profile), calendar: context.profile.calendar)
        self.context = context
        context.capabilities.provide(WorkflowStore.self, store, by: "workflow")
    }

    /// The escalation sweep over overdue cases, with the staff directory naming the leaders to warn.
    public var escalation: EscalationSweep? {
        guard let staff = context.capabilities.first((any StaffDirectory).self) else { return nil }
        return EscalationSweep(database: context.database, store: store, staff: staff, notices: context.capabilities.first((any NoticeBoard).self),
                               profile: context.profile)
    }

    public var backgroundWork: [BackgroundWork] {
        guard let escalation else { return [] }
        return [BackgroundWork("escalation of overdue cases", every: .seconds(context.configuration.escalationSeconds)) { logger in
            let escalated = try await escalation.run(logger: logger)
            if !escalated.isEmpty { logger.info("escalated overdue cases", metadata: ["count": "\(escalated.count)"]) }
        }]
    }

    public var events: [EventDeclaration] {
        [EventDeclaration("workflow.started", payload: "process, state, competentUnit, due, legalDue"),
         EventDeclaration("workflow.transitioned",
                          payload: "process, action, from, to, reportedAs, unit, competentUnit, officer, due, legalDue, paused, onTime, finished, "
                              + "finishedNow, reopened, terminal, waiting, work, stepLate, faultOf, milestone"),
         EventDeclaration("workflow.escalated", payload: "level, unit"), EventDeclaration("workflow.personal-data.erased", payload: "steps")]
    }

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement((any StaffDirectory).self, required: false, reason: "the leaders to warn when a case is overdue"),
         CapabilityRequirement((any NoticeBoard).self, required: false, reason: "escalation notices")]
    }

    public var name: String { "workflow" }
    public var resources: ModuleResources? { ModuleResources(bundle: .module) }
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
