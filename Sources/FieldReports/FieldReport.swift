import Foundation
import Platform

/// How a report reached the city.
public enum ReportChannel: String, Codable, Sendable, CaseIterable {
    case app, web, hotline, open311, camera
}

/// What a reporter (or an operator taking a hotline call) sends.
public struct NewFieldReport: Codable, Sendable {
    public var category: String
    public var description: String
    public var latitude: Double?
    public var longitude: Double?
    public var address: String?
    /// Answers to the category's questions; a list question takes several values.
    public var answers: [String: [String]]?
    /// Base64 in JSON; raw bytes from a form or an Open311 `media` part.
    public var photos: [Data]?
    public var channel: ReportChannel?
    /// Hide the reporter's name from the handling unit's public answer (when the category allows).
    public var anonymous: Bool?
    /// For reports taken by an operator or sent by an integrating client: who reported.
    public var reporterName: String?
    public var reporterContact: String?

    public init(category: String, description: String, latitude: Double? = nil, longitude: Double? = nil, address: String? = nil,
                answers: [String: [String]]? = nil, photos: [Data]? = nil, channel: ReportChannel? = nil, anonymous: Bool? = nil,
                reporterName: String? = nil, reporterContact: String? = nil) {
        self.category = category
        self.description = description
        self.latitude = latitude
        self.longitude = longitude
        self.address = address
        self.answers = answers
        self.photos = photos
        self.channel = channel
        self.anonymous = anonymous
        self.reporterName = reporterName
        self.reporterContact = reporterContact
    }

    private enum CodingKeys: String, CodingKey {
        case category, description, latitude, longitude, address, answers, photos, channel, anonymous, reporterName, reporterContact
    }

    /// Answers may be a string or a list of strings.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        category = try c.decode(String.self, forKey: .category)
        description = try c.decode(String.self, forKey: .description)
        latitude = try c.decodeIfPresent(Double.self, forKey: .latitude)
        longitude = try c.decodeIfPresent(Double.self, forKey: .longitude)
        address = try c.decodeIfPresent(String.self, forKey: .address)
        photos = try c.decodeIfPresent([Data].self, forKey: .photos)
        channel = try c.decodeIfPresent(ReportChannel.self, forKey: .channel)
        anonymous = try c.decodeIfPresent(Bool.self, forKey: .anonymous)
        reporterName = try c.decodeIfPresent(String.self, forKey: .reporterName)
        reporterContact = try c.decodeIfPresent(String.self, forKey: .reporterContact)
        if let raw = try c.decodeIfPresent([String: AnswerValue].self, forKey: .answers) {
            answers = raw.mapValues(\.values)
        }
    }

    struct AnswerValue: Decodable {
        var values: [String]
        init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let text = try? single.decode(String.self) { values = [text] }
            // `Int(exactly:)`: 1e300 is a whole number too, and `Int(1e300)` would trap.
            else if let number = try? single.decode(Double.self) { values = [Int(exactly: number).map(String.init) ?? String(number)] }
            else { values = try single.decode([String].self) }
        }
    }
}

/// A report as anyone may see it. Who reported is filled in only for operators and the handling unit.
public struct FieldReportView: Codable, Sendable, Equatable {
    public struct Photo: Codable, Sendable, Equatable {
        public var id: UUID
        public var url: String
        public var mediaType: String
        public var width: Int
        public var height: Int
        public var purpose: String
    }

    public struct Update: Codable, Sendable, Equatable {
        public var id: Int
        public var state: String
        public var stateName: String
        public var description: String
        public var author: String
        public var at: Date
    }

    public struct Reporter: Codable, Sendable, Equatable {
        public var accountID: String?
        public var name: String?
        public var contact: String?
        public var anonymous: Bool
    }

    public var code: String
    public var category: String
    public var categoryName: String
    public var description: String
    public var latitude: Double?
    public var longitude: Double?
    public var address: String?
    public var state: String
    public var stateName: String
    /// Open311's two statuses.
    public var status: String
    public var unit: String
    public var unitName: String
    public var channel: String
    public var requestedAt: Date
    public var updatedAt: Date
    public var dueAt: Date?
    public var overdue: Bool
    public var onTime: Bool?
    public var result: String?
    public var rejection: String?
    public var supports: Int
    public var rating: Int?
    /// The report whose case this one follows (clustered or merged).
    public var caseCode: String?
    /// Reports folded into this one's case.
    public var members: [String]
    public var answers: [String: [String]]
    public var photos: [Photo]
    public var updates: [Update]
    public var reporter: Reporter?
    /// What the caller may do now (workflow actions, `rate`, `support`).
    public var actions: [String]
    /// Until when the reporter may still say "not fixed".
    public var reopenUntil: Date?
    /// Security incidents linked to the report (the operations centre and the handling unit's staff only).
    public var securityIncidents: [LinkedIncident]?
}

/// A row of the public list and the map.
public struct FieldReportSummary: Codable, Sendable, Equatable {
    public var code: String
    public var category: String
    public var categoryName: String
    public var description: String
    public var latitude: Double?
    public var longitude: Double?
    public var state: String
    public var stateName: String
    public var status: String
    public var unit: String
    public var unitName: String
    public var requestedAt: Date
    public var updatedAt: Date
    public var dueAt: Date?
    public var overdue: Bool
    public var supports: Int
    public var caseCode: String?
    public var result: String?
}

/// A nearby open report offered as "is this yours?".
public struct NearbyReport: Codable, Sendable, Equatable {
    public var code: String
    public var category: String
    public var description: String
    public var latitude: Double
    public var longitude: Double
    public var distanceMeters: Int
    public var state: String
    public var supports: Int
    public var requestedAt: Date
}

/// The answer to a filing: the report, and whether it joined an existing case or was a retry.
/// What filing answers: enough to point at the report. Callers that show it read its view afterwards, so a
/// client that only needs the code (Open311, the form's redirect) costs no reads at all.
public struct FiledReport: Sendable {
    public var code: String
    /// The report's private identifier: Open311's `token`.
    public var id: UUID
    /// The case the report joined, when it landed on an open case of the same kind nearby.
    public var caseCode: String?
    public var replayed: Bool
    public var suggestedLocation: GeoPoint?
}

/// What an officer, operator or reporter sends with an action.
public struct ReportAction: Codable, Sendable {
    public var note: String?
    public var reason: String?
    /// Routing override at `accept`, target unit of `transfer`.
    public var unit: String?
    /// `reject`: invalid, not-responsible or duplicate.
    public var rejection: String?
    /// `merge`: the report this one duplicates.
    public var into: String?
    /// `resolve`: photos of the result (base64).
    public var photos: [Data]?

    public init(note: String? = nil, reason: String? = nil, unit: String? = nil, rejection: String? = nil, into: String? = nil, photos: [Data]? = nil) {
        self.note = note
        self.reason = reason
        self.unit = unit
        self.rejection = rejection
        self.into = into
        self.photos = photos
    }
}

public struct ReportRating: Codable, Sendable {
    public var stars: Int
    public var comment: String?

    public init(stars: Int, comment: String? = nil) {
        self.stars = stars
        self.comment = comment
    }
}

/// Reasons a report is not taken on, with their Open311 (mySociety) statuses.
public enum Rejection: String, Codable, Sendable, CaseIterable {
    case invalid
    case notResponsible = "not-responsible"
    case duplicate
}

/// How states read in Open311: `open`/`closed`, and mySociety's extended statuses for updates.
enum ReportStatus {
    static func status(_ state: String) -> String {
        switch ReportFlowState(rawValue: state) {
        case .submitted?, .needsInfo?, .inProgress?: return "open"
        case .resolved?, .closed?, .rejected?, .merged?, nil: return "closed"
        }
    }

    static func extended(_ state: String, rejection: String?) -> String {
        // A timeline mark, not a state of the process.
        if state == ReportTimelineMark.reopened { return "REOPEN" }
        switch ReportFlowState(rawValue: state) {
        case .submitted?, .needsInfo?: return "INVESTIGATING"
        case .inProgress?: return "IN_PROGRESS"
        case .resolved?: return "FIXED"
        case .closed?: return "CLOSED"
        case .merged?: return "DUPLICATE"
        case .rejected?:
            switch rejection.flatMap(Rejection.init(rawValue:)) {
            case .notResponsible: return "NOT_COUNCILS_RESPONSIBILITY"
            case .duplicate: return "DUPLICATE"
            default: return "NO_FURTHER_ACTION"
            }
        case nil: return "OPEN"
        }
    }
}
