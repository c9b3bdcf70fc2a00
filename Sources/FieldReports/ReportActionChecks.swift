import FluentKit
import Foundation
import Platform
import Workflow

/// What an action on a report brings beyond the engine's inputs, checked before anything is written.
struct CheckedReportAction: Sendable {
    var inputs: ActionInputs
    /// `reject`: why the report is not taken on.
    var rejection: Rejection?
    /// `merge`: the open case the report duplicates.
    var target: FieldReportRecord?
    /// `resolve`: the unit's photos of the result, stripped of their metadata.
    var resultPhotos: [CleanPhoto] = []

    init(inputs: ActionInputs) {
        self.inputs = inputs
    }
}

extension FieldReportService {
    /// Checks an action's inputs against the report and its case. A reopen past its window is refused on its own;
    /// every other fault is collected so the form can show them all at once.
    func checkedAction(_ action: String, on record: FieldReportRecord, instance: WorkflowInstance, with input: ReportAction,
                       by viewer: ReportViewer, at moment: Date, on db: any Database) async throws -> CheckedReportAction {
        var checked = CheckedReportAction(inputs: ActionInputs(note: input.note, reason: input.reason, unit: input.unit))
        var errors: [Problem.FieldError] = []
        if let unit = input.unit, !unit.isEmpty, units[unit] == nil { errors.append(.init(field: "unit", message: "'\(unit)' is not a unit of this city")) }
        switch ReportFlowAction(rawValue: action) {
        case .accept?:
            if (input.unit ?? "").isEmpty, instance.competentUnitCode == settings.intakeUnit {
                errors.append(.init(field: "unit", message: "this report has no position to route by; choose the unit that will handle it"))
            }
        case .transfer?:
            if input.unit == record.unitCode { errors.append(.init(field: "unit", message: "the report is already with this unit")) }
        case .reject?:
            checked.rejection = Rejection(rawValue: input.rejection ?? Rejection.invalid.rawValue)
            if checked.rejection == nil { errors.append(.init(field: "rejection", message: "one of invalid, not-responsible, duplicate")) }
        case .merge?:
            guard let into = input.into, !into.isEmpty else { errors.append(.init(field: "into", message: "the report this one duplicates")); break }
            let (target, faults) = try await mergeTarget(into, for: record, by: viewer, on: db)
            checked.target = target
            errors += faults
            if checked.inputs.note == nil { checked.inputs.note = "Trùng với phản ánh \(into)" }
        case .resolve?:
            let (photos, faults) = try cleanedResultPhotos(input.photos ?? [])
            checked.resultPhotos = photos
            errors += faults
        case .reopen?:
            if let until = reopenUntil(record), moment > until {
                throw Problem.conflict("The result was published on \(W3CDate.format(record.resolvedAt ?? moment)); it can be reopened for \(settings.reopenWindowDays) days only.")
            }
        case .askInfo?, .provideInfo?, .claim?, .close?, nil:
            break
        }
        if !errors.isEmpty { throw Problem.unprocessable(errors) }
        return checked
    }

    /// The case a duplicate may be folded into, and why not if it may not.
    private func mergeTarget(_ into: String, for record: FieldReportRecord, by viewer: ReportViewer,
                             on db: any Database) async throws -> (FieldReportRecord?, [Problem.FieldError]) {
        guard let head = try await FieldReportRecord.query(on: db).filter(\.$code == into).first() else {
            return (nil, [.init(field: "into", message: "no report '\(into)'")])
        }
        if head.id == record.id { return (head, [.init(field: "into", message: "a report cannot duplicate itself")]) }
        if head.caseID != nil || !head.isOpen { return (head, [.init(field: "into", message: "\(into) is not an open case of its own")]) }
        if head.category != record.category { return (head, [.init(field: "into", message: "\(into) is of another category")]) }
        // A unit folds reports into its own cases; across units only the operations centre may.
        if head.unitCode != record.unitCode && !viewer.isOperator(of: settings.intakeUnit) {
            return (head, [.init(field: "into", message: "\(into) is handled by another unit; the operations centre merges across units")])
        }
        return (head, [])
    }

    /// The result photos cleaned of their metadata, up to the limit; each bad file is named by its place in the list.
    private func cleanedResultPhotos(_ files: [Data]) throws -> ([CleanPhoto], [Problem.FieldError]) {
        var photos: [CleanPhoto] = []
        var errors: [Problem.FieldError] = []
        for (index, bytes) in files.enumerated() {
            if index >= ReportValidation.maxPhotos { errors.append(.init(field: "photos", message: "at most \(ReportValidation.maxPhotos) photos")); break }
            do { photos.append(try PhotoCleaner.clean(bytes)) } catch let problem as PhotoProblem {
                errors.append(.init(field: "photos[\(index)]", message: "the file \(problem)"))
            }
        }
        return (photos, errors)
    }
}
