import Foundation
import Testing

import FieldReports
import Payments
import PublicServices

@testable import Performance
@testable import Platform

/// A city's own Decision 766 set in its `performance.json`: adjustments and additions it may make, and everything
/// else refused at load with the entry and the reason.
@Suite struct IndicatorDefinitionsTests {
    static let declared = Indicator766.set(from: PublicServicesModule.indicators + FieldReportsModule.indicators + PaymentsModule.indicators)

    func apply(_ json: String) -> Result<[Indicator766], ConfigurationError> {
        IndicatorDefinitions.apply(Data(json.utf8), to: Self.declared)
    }

    func problems(_ json: String) -> [String] {
        guard case .failure(let error) = apply(json) else { return [] }
        return error.problems.map(\.description)
    }

    @Test func withoutEntriesTheModulesSetStands() throws {
        #expect(try apply(#"{"officerScoring":{"dailyTarget":2}}"#).get() == Self.declared)
        #expect(try IndicatorDefinitions.apply(nil, to: Self.declared).get() == Self.declared)
        #expect(Self.declared.reduce(0) { $0 + $1.maxPoints } == 100)
    }

    /// Online service down to 8 points without a threshold, 766-5.3 off, and a city indicator worth the points freed:
    /// reports handled on time with a 90 % threshold.
    @Test func aCityAdjustsTheSetAndAddsAnIndicatorOverItsCases() throws {
        let set = try apply("""
            {"indicators": [
              {"code": "766-3", "maxPoints": 8, "threshold": null},
              {"code": "766-5.3", "off": true},
              {"code": "hue-5.9", "group": 5, "rule": "onTime", "kind": "field-report", "maxPoints": 10, "threshold": 0.9,
               "name": {"vi": "Phản ánh xử lý đúng hạn", "en": "Reports handled on time"},
               "explanation": {"vi": "Phản ánh đúng hạn / tổng số", "en": "On time / all reports"}, "note": "Quyết định của UBND tỉnh"}
            ]}
            """).get()
        let byCode = Dictionary(uniqueKeysWithValues: set.map { ($0.code, $0) })
        #expect(byCode["766-3"]?.maxPoints == 8 && byCode["766-3"]?.threshold == nil && byCode["766-3"]?.formula == .filedOnline)
        #expect(byCode["766-5.3"] == nil)
        #expect(byCode["hue-5.9"]?.kind == "field-report" && byCode["hue-5.9"]?.threshold == 0.9)
        #expect(set.reduce(0) { $0 + $1.maxPoints } == 100)
        // The new indicator is scored like the others: 3 of 4 reports on time is 0.75 / 0.9 × 10.
        let card = Scorecard(unit: "A", period: try #require(ReportingPeriod("2026-11")), asOf: Date(),
                             tallies: [CaseTally(unitCode: "A", kind: "field-report", received: 4, overdue: 1)], indicators: set)
        let line = try #require(card.lines.first { $0.indicator.code == "hue-5.9" })
        #expect(line.numerator == 3 && abs((line.points ?? 0) - 0.75 / 0.9 * 10) < 1e-9)
    }

    @Test func anythingElseIsRefusedWithTheEntryAndTheReason() {
        let cases: [(String, String)] = [
            (#"{"indicators":[{"code":"766-3","maxPonts":8}]}"#, "indicators[0]: unknown field maxPonts"),
            (#"{"indicators":[{"code":"766-3","rule":"onTime"}]}"#, "indicators[0]: rule of 766-3 is its module's"),
            (#"{"indicators":[{"code":"766-3","group":6}]}"#, "group must be a whole number from 1 to 5"),
            (#"{"indicators":[{"code":"766-3","group":true}]}"#, "group must be a whole number from 1 to 5"),
            (#"{"indicators":[{"code":"766-3","maxPoints":"ten"}]}"#, "maxPoints must be more than 0"),
            (#"{"indicators":[{"code":"766-3","threshold":1.5}]}"#, "threshold must be a share"),
            (#"{"indicators":[{"code":"766-3","maxPoints":4},{"code":"766-3","maxPoints":5}]}"#, "indicators[1]: 766-3 appears twice"),
            (#"{"indicators":[{"code":"766-3","maxPoints":30}]}"#, "Decision 766 scores out of 100"),
            (#"{"indicators":[{"code":"766-3","name":{"vi":"Trực tuyến"}}]}"#, "name must give vi and en"),
            (#"{"indicators":[42]}"#, "indicators[0]: must be an object"),
            (#"{"indicators":[{"code":"x y"}]}"#, "code must be 1–32 letters"),
            (#"{"indicators":[{"code":"hue-1","group":1,"rule":"fastest","kind":"dossier","maxPoints":1,"name":{"vi":"a","en":"a"},"explanation":{"vi":"a","en":"a"}}]}"#,
             "rule must be onTime, filedOnline, satisfaction or outside"),
            (#"{"indicators":[{"code":"hue-1","group":1,"rule":"onTime","kind":"payment","maxPoints":1,"name":{"vi":"a","en":"a"},"explanation":{"vi":"a","en":"a"}}]}"#,
             "kind must be dossier or field-report"),
            (#"{"indicators":[{"code":"hue-1","rule":"onTime","kind":"dossier"}]}"#, "group must be a whole number"),
            (#"{"indicators":[{"code":"hue-1","off":true}]}"#, "cannot be turned off"),
            (#"{"indicators":{"code":"766-3"}}"#, "indicators: must be a list"),
            (#"{"indicators":["#, "must be a JSON object"),
        ]
        for (json, expected) in cases {
            let found = problems(json)
            #expect(found.contains { $0.contains(expected) && $0.contains("performance.json") }, "\(json) → \(found)")
        }
        // Every problem of a file at once, not the first only.
        #expect(problems(#"{"indicators":[{"code":"766-3","group":0,"threshold":2,"colour":"red"}]}"#).count == 3)
    }
}
