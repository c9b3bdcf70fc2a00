import Foundation
import Testing

@testable import FieldReports

@Suite struct Open311FormTests {
    private func form(_ body: String, query: [String: String] = [:]) throws -> Open311Form {
        try Open311Form(body: Data(body.utf8), contentType: "application/x-www-form-urlencoded", query: Open311Query(values: query))
    }

    @Test func percentEscapesAndPlusesDecodeToTheTextThePartnerTyped() throws {
        let posted = try form("description=H%E1%BB%91+s%C3%A2u+tr%C6%B0%E1%BB%9Bc+nh%C3%A0+s%E1%BB%91+12&service_code=pothole")
        #expect(posted["description"] == "Hố sâu trước nhà số 12")
        #expect(posted["service_code"] == "pothole")
    }

    @Test func aStrayPercentIsKeptAsWrittenInsteadOfLosingTheWholeValue() throws {
        let posted = try form("description=100%+full&address_string=ng%zz+3%4")
        #expect(posted["description"] == "100% full")
        #expect(posted["address_string"] == "ng%zz 3%4")
    }

    @Test func valuesAreTrimmedAndABlankValueCountsAsAbsent() throws {
        let posted = try form("description=+++Ng%E1%BA%ADp+%09&first_name=+%20+&email=a%40b.vn")
        #expect(posted["description"] == "Ngập")
        #expect(posted["first_name"] == nil)
        #expect(posted["email"] == "a@b.vn")
    }

    @Test func theQueryStringFillsOnlyWhatTheBodyLeftOut() throws {
        let posted = try form("api_key=from-body", query: ["api_key": "from-query", "jurisdiction_id": " hue.gov.vn "])
        #expect(posted["api_key"] == "from-body")
        #expect(posted["jurisdiction_id"] == "hue.gov.vn")
    }

    @Test func repeatedAttributesKeepEveryValue() throws {
        let posted = try form("attribute%5Bdepth%5D=30&attribute[kinds][]=a&attribute[kinds][]=b&attribute[empty]=")
        #expect(posted.attributes == ["depth": ["30"], "kinds": ["a", "b"]])
    }

    @Test func invalidUTF8BecomesReplacementCharactersNotACrash() throws {
        let posted = try form("description=%FF%FEok")
        #expect(posted["description"] == "\u{FFFD}\u{FFFD}ok")
    }
}
