import Foundation
import Platform

/// An administrative procedure as the national procedure database and the city publish it.
public struct Procedure: Codable, Sendable, Equatable {
    /// Which unit decides: a fixed unit (a department) or any commune-level unit, chosen by the applicant because
    /// dossiers are received regardless of administrative boundary (Decree 118/2025).
    public struct Competence: Codable, Sendable, Equatable {
        public var units: [String]?
        public var kinds: [String]?
    }

    public enum OnlineLevel: String, Codable, Sendable {
        /// Toàn trình: filed, processed and returned online.
        case full
        /// Một phần: part of it (the original papers, the result) at the counter.
        case partial
    }

    public struct Document: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        public var nameEn: String?
        public var required: Bool
    }

    public var code: String
    public var name: String
    public var nameEn: String?
    public var sector: String
    public var sectorEn: String?
    public var competent: Competence
    public var online: OnlineLevel
    public var deadline: DeadlineRule
    /// Same-day procedures: a dossier received after this time is due on the next working day.
    public var cutOff: LocalTime?
    /// In whole VND.
    public var fee: Int
    public var feeNote: String?
    public var legalBasis: String?
    /// The workflow process (in `processes.json`) dossiers of this procedure follow.
    public var process: String
    public var documents: [Document]
    public var form: [FormField]

    public func localizedName(_ language: String) -> String { language == "en" ? (nameEn ?? name) : name }
    public func localizedSector(_ language: String) -> String { language == "en" ? (sectorEn ?? sector) : sector }

    /// Every problem with the procedure as the city wrote it.
    func problems(units: [String: CityProfile.Unit], processes: Set<String>) -> [String] {
        var problems: [String] = []
        let here = "procedure '\(code)'"
        if code.isEmpty || name.isEmpty { problems.append("a procedure needs a code and a name") }
        if fee < 0 { problems.append("\(here): the fee cannot be negative") }
        if !processes.contains(process) { problems.append("\(here): unknown process '\(process)'") }
        if (competent.units ?? []).isEmpty, (competent.kinds ?? []).isEmpty { problems.append("\(here): no competent unit or unit kind") }
        for unit in competent.units ?? [] where units[unit] == nil { problems.append("\(here): unknown competent unit '\(unit)'") }
        for kind in competent.kinds ?? [] where CityProfile.Unit.Kind(rawValue: kind) == nil { problems.append("\(here): unknown unit kind '\(kind)'") }
        var seen = Set<String>()
        for document in documents where !seen.insert(document.code).inserted { problems.append("\(here): document '\(document.code)' listed twice") }
        seen = []
        for field in form {
            if !seen.insert(field.name).inserted { problems.append("\(here): form field '\(field.name)' defined twice") }
            if field.type == .select, (field.options ?? []).isEmpty { problems.append("\(here): select field '\(field.name)' has no options") }
            if let pattern = field.pattern, (try? NSRegularExpression(pattern: pattern)) == nil {
                problems.append("\(here): field '\(field.name)' has an invalid pattern")
            }
        }
        return problems
    }

    /// Units that may decide this procedure, from the city's org tree.
    public func competentUnits(in units: [CityProfile.Unit]) -> [CityProfile.Unit] {
        units.filter { unit in (competent.units ?? []).contains(unit.code) || (competent.kinds ?? []).contains(unit.kind.rawValue) }
    }
}

/// One field of a procedure's application form.
public struct FormField: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case text
        case date
        case number
        case select
        /// A 12-digit personal identification number (citizen ID, căn cước).
        case idNumber = "id-number"
        case phone
        case email
    }

    public var name: String
    public var label: String
    public var labelEn: String?
    public var type: Kind
    public var required: Bool
    public var options: [String]?
    public var maxLength: Int?
    public var min: Int?
    public var max: Int?
    public var pattern: String?
    /// Dates that cannot lie in the future (a birth, a death).
    public var notFuture: Bool?

    public func localizedLabel(_ language: String) -> String { language == "en" ? (labelEn ?? label) : label }

    /// The error for `value`, or nil when it is acceptable.
    func check(_ value: String?, today: CivilDate) -> String? {
        let text = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if text.isEmpty { return required ? "is required" : nil }
        if text.count > (maxLength ?? 1000) { return "must be at most \(maxLength ?? 1000) characters" }
        switch type {
        case .text: break
        case .date:
            guard let date = CivilDate(text) else { return "must be a date as YYYY-MM-DD" }
            if notFuture ?? false, date > today { return "cannot be in the future" }
        case .number:
            guard let number = Int(text) else { return "must be a whole number" }
            if let min, number < min { return "must be at least \(min)" }
            if let max, number > max { return "must be at most \(max)" }
        case .select:
            if !(options ?? []).contains(text) { return "must be one of: \((options ?? []).joined(separator: ", "))" }
        case .idNumber:
            if text.count != 12 || !text.allSatisfy(\.isASCIIDigit) { return "must be the 12 digits of a personal identification number" }
        case .phone:
            let digits = text.replacingOccurrences(of: " ", with: "")
            if !(digits.count == 10 && digits.hasPrefix("0") && digits.allSatisfy(\.isASCIIDigit)) { return "must be a 10-digit phone number starting with 0" }
        case .email:
            if !EmailAddress.isValid(text) { return "must be an email address" }
        }
        if let pattern, text.range(of: pattern, options: .regularExpression) == nil { return "does not have the expected format" }
        return nil
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// The procedures of the city profile (`procedures.json`), checked against its units and processes.
public struct ProcedureBook: Sendable {
    public let procedures: [Procedure]
    public let source: String?

    private struct File: Codable {
        var source: String?
        var procedures: [Procedure]
    }

    public init(profile: CityProfile, processes: Set<String>) throws {
        let file = try profile.decodeFile("procedures.json", as: File.self)
        let procedures = file?.procedures ?? []
        let units = Dictionary(uniqueKeysWithValues: profile.units.map { ($0.code, $0) })
        var problems = procedures.flatMap { $0.problems(units: units, processes: processes) }
        var codes = Set<String>()
        for procedure in procedures where !codes.insert(procedure.code).inserted { problems.append("procedure '\(procedure.code)' is listed twice") }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems.map { ConfigProblem(key: "procedures.json", message: $0) }) }
        self.procedures = procedures
        self.source = file?.source
    }
}
