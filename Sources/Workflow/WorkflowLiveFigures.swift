import Foundation
import Platform

/// How the workflow's events read for the live figures of the modules whose cases it runs (dossiers, field
/// reports): a case is open while the city is working on it (not finished, not waiting on the applicant), with its
/// answerable unit and running deadline; and how it finished, on time or late.
public enum WorkflowLiveFigures {
    public static let events = ["workflow.started", "workflow.transitioned"]

    /// Opens and closes the cases of one kind (`dossier`, `field-report`).
    public static func openCases(of kind: String) -> @Sendable (LiveEvent) -> [LiveChange] {
        { event in
            guard event.subjectKind == kind, let subject = event.subject else { return [] }
            if event.flag("finished") == true || event.flag("paused") == true { return [.close(key: subject)] }
            return [.open(key: subject, unit: event.text("competentUnit") ?? event.unit, due: event.moment("due"))]
        }
    }

    /// Each finished case of one kind, once in the month it finished, as `on-time` or `late`; taken up again, it
    /// leaves the month's count until it finishes again.
    public static func finishedCases(of kind: String) -> @Sendable (LiveEvent) -> [LiveChange] {
        { event in
            guard event.type == "workflow.transitioned", event.subjectKind == kind, let subject = event.subject else { return [] }
            guard event.flag("finished") == true else { return [.close(key: subject)] }
            return [.open(key: subject, unit: event.text("competentUnit") ?? event.unit, category: event.flag("onTime") == true ? "on-time" : "late")]
        }
    }
}
