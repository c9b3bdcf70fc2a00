import Foundation

/// An indicator of Decision 766/QĐ-TTg as data: what it measures, how it is scored, and how its rate is counted from
/// the cases the projection keeps (`formula`), or that its data lives outside the platform.
public struct Indicator766: Sendable, Equatable, Codable {
    public enum Formula: String, Sendable, Codable {
        /// Finished on time or still within the deadline, over cases received (dossiers or field reports).
        case onTime
        /// Dossiers filed online over all dossiers received.
        case filedOnline
        /// 100 % − (% overdue + % rated 1–2 stars): dossier satisfaction (5.4).
        case dossierSatisfaction
        /// (all − rated 1–2 stars − overdue) / all: field-report satisfaction (5.3).
        case reportSatisfaction
        /// Kept outside the platform (publication of procedures, sync with the national portal…).
        case outside
    }

    public var code: String
    public var group: Int
    public var name: [String: String]
    /// The rule in words, next to the number on every page.
    public var explanation: [String: String]
    /// Which cases count: `dossier` or `field-report`.
    public var kind: String?
    public var formula: Formula
    /// Full points at or above this rate; without one, points are the rate × the maximum.
    public var threshold: Double?
    public var maxPoints: Double

    /// The official rule: full points at or above the threshold, else rate ÷ threshold × points.
    public func points(rate: Double) -> Double {
        let rate = min(max(rate, 0), 1)
        guard let threshold, threshold > 0 else { return rate * maxPoints }
        return rate >= threshold ? maxPoints : rate / threshold * maxPoints
    }
}

extension Indicator766 {
    /// The set as the platform scores it. Maximum points are those of the national portal's formula document
    /// (groups: transparency 18, progress 20, online service 12, online payment 10, digitisation 22, satisfaction 18).
    public static let all: [Indicator766] = [
        outside("766-1", group: 1, points: 18, vi: "Công khai, minh bạch TTHC (công bố, cập nhật, đủ nội dung, đồng bộ)",
                en: "Transparency of procedures (publication, updates, completeness, sync)"),
        Indicator766(code: "766-2.1", group: 2, name: ["vi": "Hồ sơ xử lý trước hạn, đúng hạn", "en": "Dossiers processed on time"],
                     explanation: ["vi": "(Hồ sơ đã giải quyết đúng hạn + hồ sơ đang giải quyết còn trong hạn) / hồ sơ tiếp nhận trong kỳ; điểm = tỷ lệ × 20",
                                   "en": "(dossiers finished on time + dossiers still within their deadline) / dossiers received in the period; points = rate × 20"],
                     kind: "dossier", formula: .onTime, threshold: nil, maxPoints: 20),
        Indicator766(code: "766-3", group: 3, name: ["vi": "Hồ sơ nộp trực tuyến", "en": "Dossiers filed online"],
                     explanation: ["vi": "Hồ sơ nộp trực tuyến / hồ sơ tiếp nhận trong kỳ; đạt từ 50% được đủ 12 điểm, dưới đó điểm = tỷ lệ / 50% × 12",
                                   "en": "Dossiers filed online / dossiers received in the period; 50 % or more earns all 12 points, below that rate / 50 % × 12"],
                     kind: "dossier", formula: .filedOnline, threshold: 0.5, maxPoints: 12),
        outside("766-3.5", group: 3, points: 10, vi: "Thanh toán trực tuyến (TTHC tích hợp, có giao dịch, hồ sơ thanh toán trực tuyến)",
                en: "Online payment (procedures integrated, with payments, dossiers paid online)"),
        outside("766-4", group: 4, points: 22, vi: "Số hóa hồ sơ, kết quả điện tử, tái sử dụng dữ liệu",
                en: "Digitisation, electronic results, reuse of data"),
        Indicator766(code: "766-5.2", group: 5, name: ["vi": "Phản ánh, kiến nghị xử lý đúng hạn", "en": "Field reports handled on time"],
                     explanation: ["vi": "(Phản ánh đã xử lý đúng hạn + phản ánh đang xử lý còn trong hạn) / phản ánh tiếp nhận trong kỳ; điểm = tỷ lệ × 6",
                                   "en": "(reports handled on time + reports still within their deadline) / reports received in the period; points = rate × 6"],
                     kind: "field-report", formula: .onTime, threshold: nil, maxPoints: 6),
        Indicator766(code: "766-5.3", group: 5, name: ["vi": "Hài lòng trong xử lý phản ánh, kiến nghị", "en": "Satisfaction with field-report handling"],
                     explanation: ["vi": "(Tất cả − không hài lòng (1–2 sao) − quá hạn) / tất cả phản ánh tiếp nhận trong kỳ; điểm = tỷ lệ × 6",
                                   "en": "(all − rated 1–2 stars − overdue) / all reports received in the period; points = rate × 6"],
                     kind: "field-report", formula: .reportSatisfaction, threshold: nil, maxPoints: 6),
        Indicator766(code: "766-5.4", group: 5, name: ["vi": "Hài lòng trong tiếp nhận, giải quyết TTHC", "en": "Satisfaction with dossier handling"],
                     explanation: ["vi": "100% − (% hồ sơ quá hạn + % hồ sơ bị đánh giá 1–2 sao); đạt từ 90% được đủ 6 điểm",
                                   "en": "100 % − (% overdue + % rated 1–2 stars); 90 % or more earns all 6 points"],
                     kind: "dossier", formula: .dossierSatisfaction, threshold: 0.9, maxPoints: 6),
    ]

    private static func outside(_ code: String, group: Int, points: Double, vi: String, en: String) -> Indicator766 {
        Indicator766(code: code, group: group, name: ["vi": vi, "en": en],
                     explanation: ["vi": "Dữ liệu nằm ngoài nền tảng (Cổng DVC quốc gia, CSDL TTHC); chưa tính vào điểm ở đây",
                                   "en": "The data lives outside the platform (national portal, procedures database); not scored here"],
                     kind: nil, formula: .outside, threshold: nil, maxPoints: points)
    }
}
