import Foundation
import Platform

/// The operations centre's own live figure: alerts not yet closed, by unit and severity.
enum OperationsLiveFigures {
    static let all: [LiveFigure] = [
        LiveFigure(code: "operations.alerts-open", name: ["vi": "Cảnh báo chưa đóng", "en": "Alerts open"], kind: .open,
                   events: ["operations.alert.raised", "operations.alert.closed"], publicDetail: false) { event in
            guard let subject = event.subject else { return [] }
            guard event.type == "operations.alert.raised" else { return [.close(key: subject)] }
            return [.open(key: subject, unit: event.unit, category: event.text("severity"))]
        },
    ]
}
