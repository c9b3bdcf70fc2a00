import FluentKit
import Foundation
import Platform

/// An emulation movement (phong trào thi đua) the city runs over a period: units register initiatives, a council
/// assesses them, and each is evaluated on the unit's Decision 766 result for the period and the council's points,
/// weighed as the movement says.
public struct Movement: Sendable, Codable, Equatable {
    public var code: String
    public var name: String
    public var period: String
    /// The share of the evaluation that comes from the unit's data (0–1); the council's is the rest.
    public var dataWeight: Double
    public var createdAt: Date
}

/// A unit's initiative in a movement, with the council's assessment once it is entered.
public struct Initiative: Sendable, Codable, Equatable {
    public var id: UUID
    public var movement: String
    public var unit: String
    public var title: String
    public var description: String
    public var registeredBy: String
    public var registeredAt: Date
    public var councilPoints: Double?
    public var councilNote: String?
    public var award: Award?
}

/// An award (e.g. "advanced model") given to an initiative, published with the figures it was decided on.
public struct Award: Sendable, Codable, Equatable {
    public var title: String
    public var decision: String
    public var awardedAt: Date
    /// The figures at the time of the award: the unit's data score, the council's points and the evaluation.
    public var dataScore: Double?
    public var councilPoints: Double
    public var evaluation: Double?
}

/// An initiative's evaluation: the unit's share of the Decision 766 points it could earn in the movement's period
/// (0–100), the council's points (0–100), and the two weighed together. Unknown while either is.
public struct Evaluation: Sendable, Codable, Equatable {
    public var dataScore: Double?
    public var councilPoints: Double?
    public var evaluation: Double?

    /// The figures an award was decided on.
    init(award: Award?) {
        dataScore = award?.dataScore
        councilPoints = award?.councilPoints
        evaluation = award?.evaluation
    }

    init(card: Scorecard?, councilPoints: Double?, dataWeight: Double) {
        dataScore = card.flatMap { $0.pointsPossible > 0 ? OfficerScoring.round2(100 * $0.points / $0.pointsPossible) : nil }
        self.councilPoints = councilPoints
        evaluation = dataScore.flatMap { data in councilPoints.map { OfficerScoring.round2(dataWeight * data + (1 - dataWeight) * $0) } }
    }
}

struct NewMovement: ValidatedInput {
    var code: String
    var name: String
    var period: String
    var dataWeight: Double

    func validate() -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        if !Self.isCode(code) { errors.append(.init(field: "code", message: "must be 3–40 lowercase letters, digits and hyphens")) }
        if name.trimmingCharacters(in: .whitespaces).isEmpty || name.utf8.count > 800 { errors.append(.init(field: "name", message: "must be 1–800 bytes")) }
        if ReportingPeriod(period) == nil { errors.append(.init(field: "period", message: "must be a year, a quarter, a month or a span of days")) }
        if !(0...1).contains(dataWeight) { errors.append(.init(field: "dataWeight", message: "must be from 0 to 1")) }
        return errors
    }

    static func isCode(_ text: String) -> Bool {
        (3...40).contains(text.utf8.count) && text.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }
}

struct NewInitiative: ValidatedInput {
    var unit: String
    var title: String
    var description: String

    func validate() -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        if unit.isEmpty || unit.utf8.count > 64 { errors.append(.init(field: "unit", message: "must name a unit")) }
        if title.trimmingCharacters(in: .whitespaces).isEmpty || title.utf8.count > 800 { errors.append(.init(field: "title", message: "must be 1–800 bytes")) }
        if description.utf8.count > 16_000 { errors.append(.init(field: "description", message: "must be at most 16,000 bytes")) }
        return errors
    }
}

struct CouncilAssessment: ValidatedInput {
    var points: Double
    var note: String?

    func validate() -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        if !(0...100).contains(points) { errors.append(.init(field: "points", message: "must be from 0 to 100")) }
        if (note ?? "").utf8.count > 4000 { errors.append(.init(field: "note", message: "must be at most 4,000 bytes")) }
        return errors
    }
}

struct NewAward: ValidatedInput {
    var title: String
    var decision: String

    func validate() -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        if title.trimmingCharacters(in: .whitespaces).isEmpty || title.utf8.count > 800 { errors.append(.init(field: "title", message: "must be 1–800 bytes")) }
        if decision.trimmingCharacters(in: .whitespaces).isEmpty || decision.utf8.count > 200 {
            errors.append(.init(field: "decision", message: "must name the decision (1–200 bytes)"))
        }
        return errors
    }
}

struct CreateEmulationTables: AsyncMigration {
    var name: String { "performance.emulation.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("performance_movements")
            .field("code", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("period", .string, .required)
            .field("data_weight", .double, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("performance_initiatives")
            .field("id", .uuid, .identifier(auto: false))
            .field("movement", .string, .required)
            .field("unit_code", .string, .required)
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("registered_by", .string, .required)
            .field("registered_at", .datetime, .required)
            .field("council_points", .double)
            .field("council_note", .string)
            .field("award", .string)
            .unique(on: "movement", "unit_code")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("performance_initiatives").delete()
        try await database.schema("performance_movements").delete()
    }
}
