import Foundation
import FluentKit
import Platform
import Workflow

/// Who a dossier is for.
public struct Applicant: Codable, Sendable, Equatable {
    public var name: String
    public var idNumber: String?
    public var phone: String?
    public var email: String?
    public var address: String?

    public init(name: String, idNumber: String? = nil, phone: String? = nil, email: String? = nil, address: String? = nil) {
        self.name = name
        self.idNumber = idNumber
        self.phone = phone
        self.email = email
        self.address = address
    }
}

/// How a dossier reached the administration (`KenhThucHien`).
public enum Channel: Int, Codable, Sendable {
    case inPerson = 1
    case online = 2
    case postal = 3

    /// As `public-services.dossier.filed` names it for the figures built from the event log.
    public var eventName: String {
        switch self {
        case .inPerson: "in-person"
        case .online: "online"
        case .postal: "postal"
        }
    }
}

/// The applicant's details as a filing sends them: online the account gives the name, at a counter the officer types it.
public struct ApplicantDetails: Codable, Sendable, Equatable {
    public var name: String?
    public var idNumber: String?
    public var phone: String?
    public var email: String?
    public var address: String?

    public init(name: String? = nil, idNumber: String? = nil, phone: String? = nil, email: String? = nil, address: String? = nil) {
        self.name = name
        self.idNumber = idNumber
        self.phone = phone
        self.email = email
        self.address = address
    }
}

public struct NewDossier: Codable, Sendable {
    public var procedure: String
    /// Where it is filed; any unit may receive it, whatever the applicant's address.
    public var receivingUnit: String?
    /// The unit that decides, for procedures any commune-level unit may decide.
    public var competentUnit: String?
    public var applicant: ApplicantDetails?
    public var form: [String: String]
    public var attachments: [NewAttachment]?
    /// At a counter: in person or by post.
    public var channel: Channel?

    public init(procedure: String, receivingUnit: String? = nil, competentUnit: String? = nil, applicant: ApplicantDetails? = nil, form: [String: String],
                attachments: [NewAttachment]? = nil, channel: Channel? = nil) {
        self.procedure = procedure
        self.receivingUnit = receivingUnit
        self.competentUnit = competentUnit
        self.applicant = applicant
        self.form = form
        self.attachments = attachments
        self.channel = channel
    }
}

/// What a person asks to do to a dossier: a workflow action with its inputs and, where the action takes files
/// (a supplement, the result), the files.
public struct DossierAction: Codable, Sendable {
    public var note: String?
    public var reason: String?
    public var extendBy: DeadlineRule?
    public var branch: String?
    /// The officer's account id, for `assign`.
    public var officer: String?
    public var documents: [String]?
    public var attachments: [NewAttachment]?

    enum CodingKeys: String, CodingKey {
        case note, reason, branch, officer, documents, attachments
        case extendBy = "extension"
    }

    public init(note: String? = nil, reason: String? = nil, extendBy: DeadlineRule? = nil, branch: String? = nil, officer: String? = nil,
                documents: [String]? = nil, attachments: [NewAttachment]? = nil) {
        self.note = note
        self.reason = reason
        self.extendBy = extendBy
        self.branch = branch
        self.officer = officer
        self.documents = documents
        self.attachments = attachments
    }
}

public struct ProcedureRef: Codable, Sendable, Equatable {
    public var code: String
    public var version: Int
    public var name: String
}

public struct AvailableAction: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var inputs: [String]
}

public struct DossierStep: Codable, Sendable, Equatable {
    public var action: String
    public var actionName: String
    public var fromState: String
    public var toState: String
    public var toStateName: String
    public var actor: String
    public var unit: String
    public var note: String?
    public var reason: String?
    public var at: Date
}

/// A dossier as its applicant and the officers handling it see it.
public struct DossierView: Codable, Sendable {
    public var id: UUID
    public var code: String
    public var procedure: ProcedureRef
    public var applicant: Applicant
    public var channel: Channel
    public var receivingUnit: String
    public var competentUnit: String
    public var unit: String
    public var state: String
    public var stateName: String
    public var nationalStatus: Int?
    public var officer: StaffMember?
    public var filedAt: Date
    public var receivedAt: Date?
    /// The return date promised on the receipt slip (moved by supplements and extensions).
    public var promisedAt: Date?
    /// The legal deadline the national on-time rule measures against.
    public var legalDueAt: Date?
    public var finishedAt: Date?
    public var returnedAt: Date?
    public var onTime: Bool?
    public var late: Bool
    public var supplementRequests: Int
    public var openParallelSteps: [String]
    public var form: [String: String]
    public var fee: Int
    public var attachments: [AttachmentInfo]
    public var history: [DossierStep]
    public var actions: [AvailableAction]
    public var rating: Int?
    public var ratingComment: String?
    /// Whether the caller is the person who filed it (their actions and the rating form depend on it).
    public var viewerIsApplicant: Bool
}

/// What anyone may see with a dossier code: where it stands, never who filed it.
public struct PublicDossierStatus: Codable, Sendable {
    public struct Step: Codable, Sendable {
        public var state: String
        public var stateName: String
        public var at: Date
    }

    public var code: String
    public var procedure: String
    public var receivingUnit: String
    public var state: String
    public var stateName: String
    public var nationalStatus: Int?
    public var receivedAt: Date?
    public var promisedAt: Date?
    public var finishedAt: Date?
    public var returnedAt: Date?
    public var onTime: Bool?
    public var steps: [Step]
}

/// A line of a queue or a list.
public struct DossierSummary: Codable, Sendable {
    public var code: String
    public var procedure: String
    public var applicantName: String
    public var unit: String
    public var state: String
    public var stateName: String
    public var nationalStatus: Int?
    public var officer: String?
    public var filedAt: Date
    public var dueAt: Date?
    public var overdue: Bool
    public var waitingForApplicant: Bool
}

public struct DossierQueue: Codable, Sendable {
    public var unit: String
    public var filter: QueueFilter
    public var dossiers: [DossierSummary]
}

public struct DossierBacklog: Codable, Sendable {
    public struct OfficerLoad: Codable, Sendable {
        public var officer: StaffMember?
        public var open: Int
    }

    public var unit: String
    public var open: Int
    public var dueSoon: Int
    public var overdue: Int
    public var waitingForApplicant: Int
    public var unassigned: Int
    public var byOfficer: [OfficerLoad]
}

public struct Rating: Codable, Sendable {
    public var score: Int
    public var comment: String?

    public init(score: Int, comment: String? = nil) {
        self.score = score
        self.comment = comment
    }
}
