import Foundation
import Platform
import Workflow

/// What the operations centre's screens show of public services, read from this module's events and the workflow's.
enum PublicServicesLiveFigures {
    static let all: [LiveFigure] = [
        LiveFigure(code: "public-services.procedures-online", name: ["vi": "Tỷ lệ TTHC trực tuyến toàn trình", "en": "Procedures fully online"],
                   kind: .openShare(category: "full"), events: ["public-services.procedure.published"], publicDetail: true) { event in
            guard let code = event.text("code") ?? event.subject, let level = event.text("online") else { return [] }
            return [.open(key: code, category: level)]
        },
        LiveFigure(code: "public-services.dossiers-today", name: ["vi": "Hồ sơ tiếp nhận hôm nay", "en": "Dossiers received today"],
                   kind: .count, period: .day, events: ["public-services.dossier.filed"], publicDetail: true) { event in
            [.add(part: 1, unit: event.text("receivingUnit") ?? event.unit, category: event.text("channel"))]
        },
        LiveFigure(code: "public-services.filed-online-today", name: ["vi": "Hồ sơ nộp trực tuyến hôm nay", "en": "Dossiers filed online today"],
                   kind: .share, period: .day, events: ["public-services.dossier.filed"], publicDetail: true) { event in
            guard let channel = event.text("channel") else { return [] }
            return [.add(part: channel == "online" ? 1 : 0, whole: 1, unit: event.text("receivingUnit") ?? event.unit)]
        },
        LiveFigure(code: "public-services.dossiers-open", name: ["vi": "Hồ sơ đang giải quyết", "en": "Dossiers being processed"],
                   kind: .open, events: WorkflowLiveFigures.events, publicDetail: true, interpret: WorkflowLiveFigures.openCases(of: "dossier")),
        LiveFigure(code: "public-services.dossiers-overdue", name: ["vi": "Hồ sơ quá hạn", "en": "Dossiers overdue"],
                   kind: .overdue(of: "public-services.dossiers-open"), publicDetail: true),
        LiveFigure(code: "public-services.on-time-month", name: ["vi": "Hồ sơ giải quyết đúng hạn trong tháng", "en": "Dossiers finished on time this month"],
                   kind: .openShare(category: "on-time"), period: .month, events: ["workflow.transitioned"], publicDetail: true,
                   interpret: WorkflowLiveFigures.finishedCases(of: "dossier")),
        LiveFigure(code: "public-services.satisfaction-month", name: ["vi": "Mức độ hài lòng về TTHC trong tháng", "en": "Satisfaction with dossiers this month"],
                   kind: .openShare(category: "satisfied"), period: .month, events: ["public-services.dossier.rated"],
                   publicDetail: false) { event in
            guard let subject = event.subject, let score = event.whole("score"), (1...5).contains(score) else { return [] }
            return [.open(key: subject, unit: event.unit, category: score >= 4 ? "satisfied" : "not-satisfied")]
        },
    ]
}
