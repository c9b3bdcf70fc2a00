import Foundation
import Testing

@testable import Platform

/// Forms as browsers and OAuth clients post them (application/x-www-form-urlencoded).
@Suite struct FormFieldsTests {
    @Test func pairsDecodeAndTheFirstOfARepeatedFieldWins() {
        let form = FormFields("redirect_uri=https%3A%2F%2Frp.hue.gov.vn%2Fcb%3Fa%3D1&scope=openid+profile&scope=email&code_verifier&empty=")
        #expect(form["redirect_uri"] == "https://rp.hue.gov.vn/cb?a=1")
        #expect(form["scope"] == "openid profile")
        #expect(form["code_verifier"] == "")
        #expect(form["empty"] == "")
        #expect(form["missing"] == nil)
    }

    @Test func vietnameseTextAndMalformedEscapesSurvive() {
        let form = FormFields("name=Nguy%E1%BB%85n+V%C4%83n+A&note=50%+off%2")
        #expect(form["name"] == "Nguyễn Văn A")
        #expect(form["note"] == "50% off%2")
    }

    @Test func base64URLHasNoPaddingPlusOrSlash() {
        // 0xFB 0xFF 0xBF encodes to "+/+/" in standard base64.
        #expect(Data([0xFB, 0xFF, 0xBF, 0xFB, 0xFF]).base64URLEncoded == "-_-_-_8")
        #expect(Data().base64URLEncoded == "")
        #expect(Data(base64URLEncoded: "-_-_-_8") == Data([0xFB, 0xFF, 0xBF, 0xFB, 0xFF]))
    }
}
