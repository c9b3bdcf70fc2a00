import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

extension WorkflowModule {
    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "workflow_transitions", columns: ["actor_id", "actor_name", "note", "reason"], category: "who took each step",
                           purpose: "the history of each dossier and report, shown to the people it concerns", basis: .publicDuty,
                           retention: "with the dossier or report; a citizen's name on their own steps is erased on request")]
    }

    public var personalDataSource: (any PersonalDataSource)? { WorkflowPersonalData(database: context.database) }
}

/// The person's own steps (filing, rating, withdrawing) keep their place in each history, without their name.
struct WorkflowPersonalData: PersonalDataSource {
    let database: PlatformDatabase

    struct Steps: Encodable, Sendable {
        var steps: Int
    }

    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable {
        let sql = try database.sql(logger: logger)
        let count = try await sql.raw("SELECT count(*) AS n FROM workflow_transitions WHERE actor_id = \(bind: principal.accountID)").first()?
            .decode(column: "n", as: Int.self) ?? 0
        return Steps(steps: count)
    }

    func erase(accountID: String, logger: Logger) async throws -> ErasureReport {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let count = try await sql.raw("""
                UPDATE workflow_transitions SET actor_id = NULL, actor_name = 'Người dùng đã xóa' WHERE actor_id = \(bind: accountID) RETURNING id
                """).all().count
            try await EventLog.append(try DomainEvent(type: "workflow.personal-data.erased", actorName: "the account holder", subject: "account:\(accountID)",
                                                      payload: ["steps": count]), on: db)
            return ErasureReport(erased: [ErasureLine("erasure_workflow_steps", ["count": "\(count)"])])
        }
    }
}
