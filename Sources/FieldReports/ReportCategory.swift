import Foundation
import Platform

/// A kind of problem citizens report, as the city writes it in `field-reports.json`: who handles it, how fast, what
/// extra questions it asks and how public it is. Open311 publishes each category as a service.
public struct ReportCategory: Codable, Sendable, Equatable {
    /// An extra question (an Open311 attribute).
    public struct Question: Codable, Sendable, Equatable {
        public enum Datatype: String, Codable, Sendable, CaseIterable {
            case string, number, datetime, text, singlevaluelist, multivaluelist
        }

        public struct Choice: Codable, Sendable, Equatable {
            public var key: String
            public var name: String
            public var nameEn: String?
        }

        public var code: String
        public var name: String
        public var nameEn: String?
        public var datatype: Datatype
        public var required: Bool
        public var values: [Choice]?
    }

    /// Who handles reports of this category: one named unit, or the commune-level unit whose area holds the point.
    public struct Responsible: Codable, Sendable, Equatable {
        public var unit: String?
        /// `commune`: the ward or commune containing the report.
        public var unitKind: String?
    }

    public var code: String
    public var name: String
    public var nameEn: String?
    public var group: String?
    public var groupEn: String?
    public var keywords: [String]?
    public var description: String?
    public var deadline: DeadlineRule
    public var responsible: Responsible
    /// How far apart two open reports of this category may be and still be suggested as the same problem.
    public var duplicateRadiusMeters: Double?
    /// Whether the reporter may withhold their name even from the handling unit's public answer.
    public var anonymousAllowed: Bool?
    /// Whether reports of this category appear on the public map and list (food-safety tips name businesses, so not).
    public var `public`: Bool?
    public var questions: [Question]?

    public var isPublic: Bool { self.public ?? true }
    public var duplicateRadius: Double { duplicateRadiusMeters ?? 50 }
}

/// The city's field-report settings and categories.
public struct ReportSettings: Codable, Sendable {
    /// The unit whose operators verify new reports (the operations centre).
    public var intakeUnit: String
    public var process: String
    /// How many days after the result the reporter may still say "not fixed".
    public var reopenWindowDays: Int
    /// Reports of one category this close together and this recent are folded into one case automatically.
    public var clusterRadiusMeters: Double
    public var clusterWindowHours: Int
    /// Open311 `jurisdiction_id` (the city's domain).
    public var jurisdiction: String
    public var categories: [ReportCategory]

    public func category(_ code: String) -> ReportCategory? { categories.first { $0.code == code } }

    /// Reads and checks `field-reports.json`; a city without it has no field reports.
    public static func load(profile: CityProfile, processes: Set<String>) throws -> ReportSettings? {
        guard let settings = try profile.decodeFile("field-reports.json", as: ReportSettings.self) else { return nil }
        let units = Dictionary(uniqueKeysWithValues: profile.units.map { ($0.code, $0) })
        var problems: [String] = []
        if units[settings.intakeUnit] == nil { problems.append("intakeUnit '\(settings.intakeUnit)' is not a unit") }
        if !processes.contains(settings.process) { problems.append("process '\(settings.process)' is not in processes.json") }
        if settings.reopenWindowDays < 0 || settings.clusterRadiusMeters < 0 || settings.clusterWindowHours < 0 {
            problems.append("reopenWindowDays, clusterRadiusMeters and clusterWindowHours cannot be negative")
        }
        var codes = Set<String>()
        for category in settings.categories {
            let here = "category '\(category.code)'"
            if category.code.isEmpty || category.code.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                problems.append("\(here): codes are letters, digits, '-' and '_'")
            }
            if !codes.insert(category.code).inserted { problems.append("\(here) is defined twice") }
            switch (category.responsible.unit, category.responsible.unitKind) {
            case (let unit?, nil) where units[unit] == nil: problems.append("\(here): responsible unit '\(unit)' is not a unit")
            case (nil, let kind?) where kind != "commune": problems.append("\(here): unitKind must be 'commune'")
            case (nil, nil), (.some, .some): problems.append("\(here): responsible needs exactly one of unit and unitKind")
            default: break
            }
            if category.duplicateRadius <= 0 || category.duplicateRadius > 1000 { problems.append("\(here): duplicateRadiusMeters must be 1–1000") }
            var questionCodes = Set<String>()
            for question in category.questions ?? [] {
                if !questionCodes.insert(question.code).inserted { problems.append("\(here): question '\(question.code)' twice") }
                let isList = question.datatype == .singlevaluelist || question.datatype == .multivaluelist
                if isList != !(question.values ?? []).isEmpty {
                    problems.append("\(here): question '\(question.code)' needs values exactly when it is a list")
                }
            }
        }
        guard problems.isEmpty else {
            throw ConfigurationError(problems: problems.map { ConfigProblem(key: "field-reports.json", message: $0) })
        }
        return settings
    }
}
