import Foundation
import Platform

/// The four grades of Decree 335/2025.
public enum OfficerGrade: String, Sendable, Codable, Equatable {
    /// Hoàn thành xuất sắc nhiệm vụ: 90 points or more, within the unit's 20 % cap.
    case excellent
    /// Hoàn thành tốt nhiệm vụ: 70 to under 90.
    case good
    /// Hoàn thành nhiệm vụ: 50 to under 70.
    case completed
    /// Không hoàn thành nhiệm vụ: under 50, or a disqualifying case the leader recorded.
    case notCompleted = "not-completed"

    static func of(points: Double) -> OfficerGrade {
        points >= 90 ? .excellent : points >= 70 ? .good : points >= 50 ? .completed : .notCompleted
    }
}

/// One person's Decree 335 score in one unit for one period: 70 points of task results counted from their work
/// products (quantity against the period's target, quality less a quarter per fault, progress less a quarter per
/// unexcused late step), plus the 30-point general part their leader entered. Every figure names its products.
public struct OfficerScore: Sendable, Encodable, Equatable {
    public struct Product: Sendable, Encodable, Equatable {
        public var seq: Int
        public var subject: String
        public var action: String
        public var at: Date
        public var units: Double
        public var quality: Double
        public var progress: Double
        public var late: Bool
        /// The leader's reason when a late step had an objective cause: its progress is not reduced.
        public var excused: String?
        public var faults: [Int]
    }

    public var officerID: String
    public var name: String
    public var unit: String
    /// Scored as the unit's leader: task results are the unit's Decision 766 result, not their own products.
    public var leader: Bool
    public var products: [Product]
    public var productCount: Int
    public var units: Double
    public var target: Double
    /// Shares from 0 to 1; quality and progress are unknown without products.
    public var quantity: Double
    public var quality: Double?
    public var progress: Double?
    public var taskPoints: Double?
    /// Nil until the leader enters it; the grade waits for it.
    public var generalPoints: Double?
    public var disqualified: Bool
    public var total: Double?
    public var grade: OfficerGrade?
    /// Scored 90 or more but graded Good: the unit's Excellent grades are capped at 20 % of its Good-or-better.
    public var capped: Bool
    public var explanation: [String: String]
}

/// The Decree 335 scoring rule, applied to a unit's products and the leader's entries.
public enum OfficerScoring {
    public static let taskPoints = 70.0
    public static let generalPoints = 30.0
    /// A major quality error or an unexcused delay each costs a quarter of that product's score.
    public static let penalty = 0.25
    public static let excellentShare = 0.2

    /// The products a person made, scored; `target` is the standard units expected of them over the period.
    static func score(officer: String, name: String, unit: String, products: [WorkProduct], weight: (WorkProduct) -> Double,
                      excuses: [Int: String], target: Double) -> OfficerScore {
        let scored = products.map { product in
            let excuse = product.late ? excuses[product.seq] : nil
            return OfficerScore.Product(seq: product.seq, subject: product.subject, action: product.action, at: product.at,
                                        units: product.work * weight(product),
                                        quality: max(0, 1 - penalty * Double(product.faults.count)),
                                        progress: product.late && excuse == nil ? 1 - penalty : 1, late: product.late, excused: excuse,
                                        faults: product.faults)
        }
        let units = scored.reduce(0) { $0 + $1.units }
        let quantity = target > 0 ? min(1, units / target) : 0
        let quality = units > 0 ? scored.reduce(0) { $0 + $1.units * $1.quality } / units : nil
        let progress = units > 0 ? scored.reduce(0) { $0 + $1.units * $1.progress } / units : nil
        let task = round2(taskPoints * (quantity + (quality ?? 0) + (progress ?? 0)) / 3)
        return OfficerScore(officerID: officer, name: name, unit: unit, leader: false, products: scored, productCount: scored.count, units: round2(units), target: round2(target),
                            quantity: quantity, quality: quality, progress: progress, taskPoints: task, generalPoints: nil, disqualified: false,
                            total: nil, grade: nil, capped: false, explanation: officerExplanation)
    }

    /// A leader's task results are their unit's: 70 × the Decision 766 points it earned ÷ the points it could earn
    /// from the platform's data. Unknown when the unit had nothing to score.
    static func leading(_ score: OfficerScore, unitCard: Scorecard) -> OfficerScore {
        var score = score
        score.leader = true
        score.taskPoints = unitCard.pointsPossible > 0 ? round2(taskPoints * unitCard.points / unitCard.pointsPossible) : nil
        score.explanation = leaderExplanation
        return score
    }

    /// Adds the general part and grades everyone whose general part is entered, then applies the 20 % cap: the
    /// Excellent grades of a unit may be at most a fifth (rounded down) of those graded Good or better; past it, the
    /// highest totals keep Excellent (ties broken by fewer faults, then by name) and the rest are graded Good.
    static func grade(_ scores: [OfficerScore], entries: [String: Assessment]) -> [OfficerScore] {
        var graded = scores.map { score -> OfficerScore in
            var score = score
            guard let entry = entries[score.officerID] else { return score }
            score.generalPoints = entry.generalPoints
            score.disqualified = entry.disqualified
            guard let task = score.taskPoints else { return score }
            let total = round2(entry.generalPoints + task)
            score.total = total
            score.grade = entry.disqualified ? .notCompleted : OfficerGrade.of(points: total)
            return score
        }
        let goodOrBetter = graded.filter { $0.grade == .excellent || $0.grade == .good }.count
        let allowed = Int((excellentShare * Double(goodOrBetter)).rounded(.down))
        let excellent = graded.indices.filter { graded[$0].grade == .excellent }.sorted { a, b in
            let (x, y) = (graded[a], graded[b])
            if x.total != y.total { return (x.total ?? 0) > (y.total ?? 0) }
            let (fx, fy) = (x.products.reduce(0) { $0 + $1.faults.count }, y.products.reduce(0) { $0 + $1.faults.count })
            return fx != fy ? fx < fy : x.name < y.name
        }
        for index in excellent.dropFirst(allowed) {
            graded[index].grade = .good
            graded[index].capped = true
        }
        return graded
    }

    static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    static let officerExplanation = [
        "vi": "Kết quả nhiệm vụ (70 điểm) = 70 × (số lượng + chất lượng + tiến độ) ÷ 3. Số lượng = sản phẩm quy đổi ÷ chỉ tiêu của kỳ (tối đa 1). "
            + "Chất lượng: mỗi lỗi (trả lại làm lại, phản ánh mở lại) trừ 25 % sản phẩm đó. Tiến độ: mỗi bước trễ hạn trừ 25 % sản phẩm đó, "
            + "trừ khi lãnh đạo xác nhận nguyên nhân khách quan. Tiêu chí chung (30 điểm) do lãnh đạo đơn vị chấm. "
            + "Xuất sắc ≥ 90, Tốt 70–<90, Hoàn thành 50–<70, Không hoàn thành < 50; Xuất sắc không quá 20 % số được xếp loại Tốt trở lên.",
        "en": "Task results (70 points) = 70 × (quantity + quality + progress) ÷ 3. Quantity = standard units ÷ the period's target (at most 1). "
            + "Quality: each fault (returned for rework, report reopened) costs 25 % of that product. Progress: each late step costs 25 % of "
            + "that product unless the leader confirmed an objective cause. The general part (30 points) is entered by the unit's leader. "
            + "Excellent ≥ 90, Good 70–<90, Completed 50–<70, Not completed < 50; Excellent at most 20 % of those graded Good or better.",
    ]

    static let leaderExplanation = [
        "vi": "Người đứng đầu đơn vị: kết quả nhiệm vụ (70 điểm) = 70 × điểm Bộ chỉ số 766 của đơn vị ÷ số điểm đơn vị có thể đạt từ dữ liệu "
            + "của nền tảng; tiêu chí chung (30 điểm) do cấp trên chấm.",
        "en": "Unit leader: task results (70 points) = 70 × the unit's Decision 766 points ÷ the points it could earn from the platform's data; "
            + "the general part (30 points) is entered by the level above.",
    ]
}
