import Foundation
import Platform

/// The checks a new report passes before anything is stored, every problem named at once.
package struct ReportValidation {
    static let maxDescription = 4000
    static let maxPhotos = 3

    package struct Checked {
        var category: ReportCategory
        var description: String
        package var point: GeoPoint?
        var address: String?
        var answers: [String: [String]]
        var photos: [CleanPhoto]
        var suggestedLocation: GeoPoint?
    }

    package static func check(_ new: NewFieldReport, settings: ReportSettings, routing: ReportRouting) throws -> Checked {
        guard let category = settings.category(new.category) else {
            throw Problem.unprocessable([.init(field: "category", message: "'\(new.category)' is not a report category of this city")],
                                        detail: "Unknown category '\(new.category)'.")
        }
        var errors: [Problem.FieldError] = []
        let description = new.description.trimmingCharacters(in: .whitespacesAndNewlines)
        if description.isEmpty { errors.append(.init(field: "description", message: "say what the problem is")) }
        if description.count > maxDescription { errors.append(.init(field: "description", message: "at most \(maxDescription) characters (got \(description.count))")) }

        var photos: [CleanPhoto] = []
        let sent = new.photos ?? []
        if sent.count > maxPhotos { errors.append(.init(field: "photos", message: "at most \(maxPhotos) photos")) }
        for (index, bytes) in sent.prefix(maxPhotos).enumerated() {
            do { photos.append(try PhotoCleaner.clean(bytes)) } catch let problem as PhotoProblem {
                errors.append(.init(field: "photos[\(index)]", message: "the file \(problem)"))
            }
        }

        var point: GeoPoint?
        var suggested: GeoPoint?
        switch (new.latitude, new.longitude) {
        case let (latitude?, longitude?):
            let candidate = GeoPoint(latitude: latitude, longitude: longitude)
            if !candidate.isValid { errors.append(.init(field: "latitude", message: "not a WGS84 position")) }
            else if !routing.insideCity(candidate) { errors.append(.init(field: "latitude", message: "the point \(latitude), \(longitude) is outside the city")) }
            else { point = candidate }
        case (nil, nil):
            break
        default:
            errors.append(.init(field: new.latitude == nil ? "latitude" : "longitude", message: "give both latitude and longitude"))
        }
        let address = new.address?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        if let address, address.count > 300 { errors.append(.init(field: "address", message: "at most 300 characters")) }
        if point == nil, address == nil, new.latitude == nil, new.longitude == nil {
            // The first photo's GPS suggests where it was taken, as FixMyStreet does.
            if let gps = photos.lazy.compactMap(\.location).first, routing.insideCity(gps) {
                point = gps
                suggested = gps
            } else {
                errors.append(.init(field: "location", message: "give a position (latitude and longitude) or an address"))
            }
        }
        if new.anonymous == true, !(category.anonymousAllowed ?? false) {
            errors.append(.init(field: "anonymous", message: "reports of this category cannot be anonymous"))
        }
        let answers = checkAnswers(new.answers ?? [:], category: category, errors: &errors)
        if !errors.isEmpty { throw Problem.unprocessable(errors, detail: errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")) }
        return Checked(category: category, description: description, point: point, address: address, answers: answers, photos: photos,
                       suggestedLocation: suggested)
    }

    static func checkAnswers(_ answers: [String: [String]], category: ReportCategory, errors: inout [Problem.FieldError]) -> [String: [String]] {
        let questions = category.questions ?? []
        var checked: [String: [String]] = [:]
        for code in answers.keys.sorted() where !questions.contains(where: { $0.code == code }) {
            errors.append(.init(field: "answers.\(code)", message: "this category asks no question '\(code)'"))
        }
        for question in questions {
            let values = (answers[question.code] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            let field = "answers.\(question.code)"
            if values.isEmpty {
                if question.required { errors.append(.init(field: field, message: "required: \(question.name)")) }
                continue
            }
            let keys = Set((question.values ?? []).map(\.key))
            switch question.datatype {
            case .singlevaluelist, .multivaluelist:
                if question.datatype == .singlevaluelist, values.count > 1 { errors.append(.init(field: field, message: "choose one value")) }
                for value in values where !keys.contains(value) {
                    errors.append(.init(field: field, message: "'\(value)' is not one of \(keys.sorted().joined(separator: ", "))"))
                }
            case .number:
                if values.count > 1 || Double(values[0]) == nil { errors.append(.init(field: field, message: "must be a number")) }
            case .datetime:
                if values.count > 1 || W3CDate.parse(values[0]) == nil { errors.append(.init(field: field, message: "must be a date and time such as 2026-11-29T08:00:00+07:00")) }
            case .string, .text:
                if values.count > 1 { errors.append(.init(field: field, message: "one text only")) }
                if values.joined().count > (question.datatype == .string ? 200 : 2000) { errors.append(.init(field: field, message: "too long")) }
            }
            checked[question.code] = values
        }
        return checked
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

/// The W3C subset of ISO 8601 Open311 uses; a zone is required.
package enum W3CDate {
    /// A date-time with a zone (`Z`, `+07:00` or `+0700`), fractional seconds allowed; one shared, Sendable parser
    /// instead of a formatter built per call.
    private static let style = Date.ISO8601FormatStyle()

    package static func parse(_ text: String) -> Date? {
        guard text.utf8.count <= 40 else { return nil }
        return try? style.parse(text)
    }

    static func format(_ date: Date, offsetSeconds: Int = 7 * 3600) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(secondsFromGMT: offsetSeconds)
        return formatter.string(from: date)
    }
}
