import Platform
import Workflow

/// The national dossier status (`TrangThaiHoSo` 1–10) a state is reported as to the national portal: data in the
/// city's process definitions (`reportedAs`), read and checked here, where dossiers live; the workflow engine knows
/// no dossier.
extension ProcessDefinition.State {
    static let nationalRegister = "national-dossier-status"

    public var nationalStatus: Int? { reportedAs?[Self.nationalRegister] }
}

enum NationalStatus {
    /// Every problem with the national statuses of the processes procedures run on: codes are 1–10, and every
    /// ending is reported (the portal must learn how each dossier ended).
    static func problems(in definition: ProcessDefinition) -> [String] {
        var problems: [String] = []
        for state in definition.states {
            if let status = state.nationalStatus, !(1...10).contains(status) {
                problems.append("process '\(definition.code)': state '\(state.code)' has national status \(status); national codes are 1–10")
            }
            if state.isTerminal, state.nationalStatus == nil {
                problems.append("process '\(definition.code)': the ending '\(state.code)' has no national status")
            }
        }
        return problems
    }
}
