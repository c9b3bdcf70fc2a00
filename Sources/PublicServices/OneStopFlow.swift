/// The actions and states of the city's one-stop processes that public services' code treats specially (a fee to
/// invoice, a result to sign, a rating once returned). The processes themselves are data (`processes.json`); any
/// other action goes to the workflow engine as it is, which refuses what the process does not define.
enum OneStopAction: String, CaseIterable, Sendable {
    case receive
    case assign
    case requestCorrection = "request-correction"
    case correct
    case refuseIntake = "refuse-intake"
    case requestSupplement = "request-supplement"
    case supplement
    case requestFee = "request-fee"
    case confirmFee = "confirm-fee"
    case extend
    case stop
    case issueResult = "issue-result"

    /// Actions that carry files from the person taking them: the applicant's supplements and corrections, the result.
    var takesFiles: Bool { [.supplement, .correct, .issueResult].contains(self) }
}

enum OneStopState: String, Sendable {
    case awaitingFee = "awaiting-fee"
    case returned
}
