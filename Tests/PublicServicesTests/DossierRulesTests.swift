import Foundation
import Platform
@testable import PublicServices
import Testing
import Workflow

/// The rules a dossier meets before anything is stored: its form, its files, its code, the city's processes.
@Suite struct DossierRulesTests {
    let today = CivilDate(year: 2026, month: 12, day: 1) ?? CivilDate(dayNumber: 0)

    func field(_ type: FormField.Kind, required: Bool = true, min: Int? = nil, max: Int? = nil, options: [String]? = nil, notFuture: Bool? = nil)
        -> FormField
    {
        FormField(name: "x", label: "x", type: type, required: required, options: options, maxLength: 20, min: min, max: max, notFuture: notFuture)
    }

    @Test func formFieldsSayWhatIsWrongInPlainWords() {
        #expect(field(.text).check(nil, today: today) == "is required")
        #expect(field(.text, required: false).check("  ", today: today) == nil)
        #expect(field(.text).check(String(repeating: "a", count: 21), today: today) == "must be at most 20 characters")
        #expect(field(.date, notFuture: true).check("2026-12-02", today: today) == "cannot be in the future")
        #expect(field(.date).check("2026-02-30", today: today) == "must be a date as YYYY-MM-DD")
        #expect(field(.number, min: 1, max: 10).check("11", today: today) == "must be at most 10")
        #expect(field(.number).check("9223372036854775808", today: today) == "must be a whole number")
        #expect(field(.select, options: ["Nam", "Nữ"]).check("Khác", today: today) == "must be one of: Nam, Nữ")
        #expect(field(.idNumber).check("04609000123", today: today) != nil)
        #expect(field(.idNumber).check("046090001234", today: today) == nil)
        #expect(field(.phone).check("0905 123 456", today: today) == nil)
        #expect(field(.phone).check("+84905123456", today: today) != nil)
        #expect(field(.email).check("a@b.vn>\r\nRCPT:<x@e", today: today) == "must be an email address")
    }

    @Test func filesAreJudgedByTheirBytesAndCounted() throws {
        let pdf = Data("%PDF-1.7\n".utf8)
        let checked = try AttachmentRules.check([NewAttachment(document: "to-khai", fileName: "to-khai.pdf", content: pdf)], allowedDocuments: ["to-khai"])
        #expect(checked.first?.1 == "application/pdf")
        #expect(checked.first?.2.count == 64)
        #expect(throws: Problem.self) {
            _ = try AttachmentRules.check([NewAttachment(document: "to-khai", fileName: "virus.pdf", content: Data("MZ\u{90}".utf8))], allowedDocuments: ["to-khai"])
        }
        #expect(throws: Problem.self) {
            _ = try AttachmentRules.check([NewAttachment(document: "other", fileName: "a/b.pdf", content: pdf)], allowedDocuments: ["to-khai"])
        }
        let many = Array(repeating: NewAttachment(document: "to-khai", fileName: "a.pdf", content: pdf), count: AttachmentRules.maxFiles + 1)
        #expect(throws: Problem.self) { _ = try AttachmentRules.check(many, allowedDocuments: ["to-khai"]) }
    }

    @Test func dossierCodesHaveTheNationalShape() {
        #expect(DossierCode.isWellFormed("000.16.00.H57-261129-0001"))
        for bad in ["000.16.00.H57-261129-001", "hello", "000.16.00.H57-261129-0001 ", "000.16.00.h57-261129-0001", ""] {
            #expect(!DossierCode.isWellFormed(bad), "\(bad)")
        }
    }

    /// The national statuses are public services' reading of the process data: every ending reported, codes 1–10.
    @Test func everyEndingOfADossierProcessIsReportedNationally() throws {
        let library = try ProcessLibrary(profile: try CityProfile.demo())
        for code in ["one-stop", "one-stop-consultation"] {
            let definition = try #require(library[code])
            #expect(NationalStatus.problems(in: definition).isEmpty)
        }
        var broken = try #require(library["one-stop"])
        let limbo = #"{"code": "limbo", "name": "Limbo", "reportedAs": {"national-dossier-status": 12}, "terminal": true}"#
        broken.states.append(try JSONDecoder().decode(ProcessDefinition.State.self, from: Data(limbo.utf8)))
        let problems = NationalStatus.problems(in: broken)
        #expect(problems.contains { $0.contains("national status 12") })
        broken.states[broken.states.count - 1].reportedAs = nil
        #expect(NationalStatus.problems(in: broken).contains { $0.contains("the ending 'limbo' has no national status") })
        #expect(try #require(library["one-stop"]).state("returned")?.nationalStatus == 10)
    }
}
