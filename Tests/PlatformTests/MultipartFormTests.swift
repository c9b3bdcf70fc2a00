import Foundation
import Platform
import Testing

/// Multipart bodies as browsers and hostile clients send them.
@Suite struct MultipartFormTests {
    static func body(_ parts: [String], boundary: String = "XyZ", closed: Bool = true) -> Data {
        Data((parts.map { "--\(boundary)\r\n\($0)\r\n" }.joined() + (closed ? "--\(boundary)--\r\n" : "")).utf8)
    }

    @Test func quotedFileNamesWithSemicolonsAndRFC8187NamesAreReadWhole() throws {
        let form = try MultipartForm(body: Self.body([
            "Content-Disposition: form-data; name=\"photo\"; filename=\"ổ gà; đường \\\"Lê Lợi\\\".jpg\"\r\nContent-Type: image/jpeg\r\n\r\nJPEG",
            "Content-Disposition: form-data; name=\"scan\"; filename=\"fallback.pdf\"; filename*=UTF-8''gi%E1%BA%A5y%20t%E1%BB%9D.pdf\r\n\r\nPDF",
            "Content-Disposition: form-data; name=\"description\"\r\n\r\nNgập nước; sâu 40 cm",
        ]), boundary: "XyZ")
        #expect(form.files("photo").first?.fileName == "ổ gà; đường \"Lê Lợi\".jpg")
        #expect(form.files("photo").first?.contentType == "image/jpeg")
        #expect(form.files("photo").first?.data == Data("JPEG".utf8))
        #expect(form.files("scan").first?.fileName == "giấy tờ.pdf")
        #expect(form["description"] == "Ngập nước; sâu 40 cm")
    }

    @Test func brokenBodiesAreA400NotAGuess() {
        let cases: [(String, Data)] = [
            ("no closing delimiter", Self.body(["Content-Disposition: form-data; name=\"a\"\r\n\r\n1"], closed: false)),
            ("cut in a part", Data("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n12".utf8)),
            ("a part without a name", Self.body(["Content-Disposition: form-data\r\n\r\n1"])),
            ("no parts", Data("--XyZ--\r\n".utf8)),
            ("not multipart", Data("hello".utf8)),
            ("too many parts", Self.body(Array(repeating: "Content-Disposition: form-data; name=\"a\"\r\n\r\n1", count: MultipartForm.maxParts + 1))),
        ]
        for (label, data) in cases {
            #expect(throws: Problem.self, "\(label)") { _ = try MultipartForm(body: data, boundary: "XyZ") }
        }
    }

    @Test func boundariesComeFromTheContentTypeQuotedOrNot() {
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=----WebKit123") == "----WebKit123")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; charset=utf-8; boundary=\"a;b\"") == "a;b")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=") == nil)
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=\(String(repeating: "x", count: 71))") == nil)
        #expect(MultipartForm.boundary(contentType: "application/json; boundary=x") == nil)
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=\"a\r\nb\"") == nil)
    }

    @Test func headerParametersSurviveAnyText() {
        #expect(HeaderParameters("form-data; name=\"a\"; name=\"b\"")["name"] == "a")
        #expect(HeaderParameters("x; FILENAME=\"q\"")["filename"] == "q")
        for text in ["", ";", ";;;=", "a; =", "a; b=\"unterminated", "a; b*=UTF-8''%ZZ", "a; b*='''", "\"", "a; b=\\"] {
            _ = HeaderParameters(text).values
        }
    }
}
