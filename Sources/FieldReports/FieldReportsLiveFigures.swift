import Foundation
import Platform
import Workflow

/// What the operations centre's screens show of field reports: open and overdue by ward and category, today's
/// filings, and this month's on-time rate and satisfaction.
enum FieldReportsLiveFigures {
    static let kind = "field-report"

    static let all: [LiveFigure] = [
        LiveFigure(code: "field-reports.open", name: ["vi": "Phản ánh đang xử lý", "en": "Field reports open"], kind: .open,
                   events: WorkflowLiveFigures.events + ["field-report.filed"], publicDetail: true) { event in
            guard event.type == "field-report.filed" else { return WorkflowLiveFigures.openCases(of: kind)(event) }
            // The filing names the category; the case's own events open and close it (the filing may be logged after them).
            guard let subject = event.subject, let category = event.text("category") else { return [] }
            return [.describe(key: subject, category: category)]
        },
        LiveFigure(code: "field-reports.overdue", name: ["vi": "Phản ánh quá hạn", "en": "Field reports overdue"], kind: .overdue(of: "field-reports.open"), publicDetail: true),
        LiveFigure(code: "field-reports.filed-today", name: ["vi": "Phản ánh mới hôm nay", "en": "Field reports filed today"], kind: .count, period: .day,
                   events: ["field-report.filed"], publicDetail: true) { event in
            [.add(part: 1, unit: event.text("unit") ?? event.unit, category: event.text("category"))]
        },
        LiveFigure(code: "field-reports.on-time-month", name: ["vi": "Phản ánh xử lý đúng hạn trong tháng", "en": "Field reports handled on time this month"],
                   kind: .openShare(category: "on-time"), period: .month, events: ["workflow.transitioned"], publicDetail: true,
                   interpret: WorkflowLiveFigures.finishedCases(of: kind)),
        LiveFigure(code: "field-reports.satisfaction-month", name: ["vi": "Hài lòng về xử lý phản ánh trong tháng", "en": "Satisfaction with field reports this month"],
                   kind: .openShare(category: "satisfied"), period: .month, events: ["field-report.rated"],
                   publicDetail: false) { event in
            guard let subject = event.subject, let stars = event.whole("stars"), (1...5).contains(stars) else { return [] }
            return [.open(key: subject, unit: event.unit, category: stars >= 4 ? "satisfied" : "not-satisfied")]
        },
    ]
}
