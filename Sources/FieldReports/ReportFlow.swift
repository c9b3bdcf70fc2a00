import Foundation

/// The actions of the city's "field-report" process (cities/<city>/processes.json) that this module does more with
/// than pass to the workflow engine: extra checks, columns kept on the report row, lines on the public timeline.
/// Actions arrive as text from the edge; one the enum does not know still goes to the engine, which refuses it in its
/// own words, so parse with `ReportFlowAction(rawValue:)` and let `nil` through.
enum ReportFlowAction: String, CaseIterable, Sendable {
    case accept
    case askInfo = "ask-info"
    case provideInfo = "provide-info"
    case reject
    case merge
    case claim
    case transfer
    case resolve
    case reopen
    case close
}

/// The states of the "field-report" process that the report row, Open311 and the figures compare against. The workflow
/// case owns the state; the report row holds a copy as text.
enum ReportFlowState: String, CaseIterable, Sendable {
    case submitted
    case needsInfo = "needs-info"
    case inProgress = "in-progress"
    case resolved
    case closed
    case rejected
    case merged
}

/// The public timeline's own marks, which are not states of the process.
enum ReportTimelineMark {
    /// A reopened case goes back to in-progress, but the public sees the reporter's objection as a step of its own
    /// (Open311 `REOPEN`).
    static let reopened = "reopened"
}

extension FieldReportRecord {
    /// The copied state, read as the process's state; nil for a state this module has no special meaning for.
    var flowState: ReportFlowState? { ReportFlowState(rawValue: state) }
}
