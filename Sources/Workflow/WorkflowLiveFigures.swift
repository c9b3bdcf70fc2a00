import Foundation
import Platform

/// How the workflow's events read for the live figures of the modules whose cases it runs (dossiers, field
/// reports): a case is open while the city is working on it (not finished, not waiting on the applicant), with its
/// answerable unit and running deadline; and how it finished, on time or late.
public enum WorkflowLiveFigures {
    public static let events = ["workflow.started", "workflow.transitioned"]

    /// Opens and closes the cases of one kind (`dossier`, `field-report`): closed once finished, ended unfinished
    /// (rejected, merged, withdrawn) or waiting on the applicant; open again when taken up.
    public static func openCases(of kind: String) -> @Sendable (LiveEvent) -> [LiveChange] {
        { event in
            guard event.subjectKind == kind, let subject = event.subject else { return [] }
            if ["finished", "paused", "terminal", "waiting"].contains(where: { event.flag($0) == true }) { return [.close(key: subject)] }
            return [.open(key: subject, unit: event.text("competentUnit") ?? event.unit, due: event.moment("due"))]
        }
    }

    /// Each case of one kind in the month it finished, as `on-time` or `late`, counted by the step that finished it
    /// (later steps of a finished case do not count it again); taken up again in that month, it leaves the count.
    public static func finishedCases(of kind: String) -> @Sendable (LiveEvent) -> [LiveChange] {
        { event in
            guard event.type == "workflow.transitioned", event.subjectKind == kind, let subject = event.subject else { return [] }
            if event.flag("reopened") == true { return [.close(key: subject)] }
            guard event.flag("finishedNow") == true else { return [] }
            return [.open(key: subject, unit: event.text("competentUnit") ?? event.unit, category: event.flag("onTime") == true ? "on-time" : "late")]
        }
    }
}
