@testable import Catalog
import Foundation
import Testing

/// What a city service must be before it enters the catalogue, and how people find it.
@Suite struct ServiceRulesTests {
    @Test func codesNamesAndAddressesAreChecked() {
        #expect(ServiceCatalogue.validate(code: "tra-cuu-quy-hoach", name: "Tra cứu quy hoạch", launchURL: "https://quyhoach.hue.example/").isEmpty)
        let bad = ServiceCatalogue.validate(code: "Tra Cứu", name: "  ", launchURL: "javascript:alert(1)")
        #expect(Set(bad.map(\.field)) == ["code", "name", "launchURL"])
        #expect(!ServiceCatalogue.validate(code: "ab", name: "x", launchURL: "https://x.example").isEmpty)
        #expect(!ServiceCatalogue.validate(code: String(repeating: "a", count: 65), name: "x", launchURL: "https://x.example").isEmpty)
        #expect(!ServiceCatalogue.validate(code: "ok-code", name: "x", launchURL: "ftp://x.example").isEmpty)
    }

    @Test func searchFoldsCaseAndVietnameseMarks() {
        #expect(ServiceCatalogue.fold("Phản ánh hiện trường") == ServiceCatalogue.fold("phan anh hien truong"))
        #expect(ServiceCatalogue.fold("Đăng ký") == "dang ky")
    }
}
