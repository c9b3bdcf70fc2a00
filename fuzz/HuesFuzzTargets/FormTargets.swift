import FieldReports
import Foundation
import Platform
import Web

/// Form bodies and the small values every request carries (query numbers, header parameters, dates, languages).
enum FormTargets {
    /// First line: a Content-Type header; the rest: the body.
    static let multipart: FuzzTargets.Harness = { bytes in
        let (header, body) = split(bytes)
        let boundary = MultipartForm.boundary(contentType: header) ?? "XyZ"
        guard let form = try? MultipartForm(body: Data(body), boundary: boundary) else { return }
        FuzzCheck.require(!form.parts.isEmpty && form.parts.count <= MultipartForm.maxParts, "\(form.parts.count) parts")
        FuzzCheck.require(form.parts.reduce(0) { $0 + $1.data.count } <= body.count, "parts larger than the body")
    }

    /// An Open311 POST body, urlencoded or multipart (first line: the Content-Type).
    static let open311Form: FuzzTargets.Harness = { bytes in
        let (header, body) = split(bytes)
        let contentType = header.isEmpty ? "application/x-www-form-urlencoded" : header
        guard let form = try? Open311Form(body: Data(body), contentType: contentType, query: Open311Query(values: ["api_key": "k"])) else { return }
        _ = form.attributes
        _ = form["service_code"]
        _ = try? form.double("lat")
    }

    /// Each line is one value run through every small parser of request text.
    static let httpValues: FuzzTargets.Harness = { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        _ = FormFields(text).values
        _ = HeaderParameters(text).values
        _ = LanguageMiddleware.language(acceptLanguage: text)
        for line in text.split(separator: "\n").prefix(64) {
            if let value = BoundedInteger.parse(line, in: -1_000...1_000) { FuzzCheck.require((-1_000...1_000).contains(value), "\(value)") }
            _ = W3CDate.parse(String(line))
            if let decoded = Data(base64URLEncoded: String(line)) {
                FuzzCheck.require(Data(base64URLEncoded: decoded.base64URLEncoded) == decoded, "base64url does not round-trip: \(line)")
            }
            if let date = CivilDate(String(line)) { FuzzCheck.require(CivilDate(date.description) == date, "\(line) does not round-trip") }
            if let box = try? MapQuery.box(String(line)) {
                FuzzCheck.require(box.minLongitude < box.maxLongitude && box.minLatitude < box.maxLatitude, "inverted box \(line)")
                FuzzCheck.require(box.maxLongitude - box.minLongitude <= MapQuery.maxSpan && box.maxLatitude - box.minLatitude <= MapQuery.maxSpan, "\(line)")
                for zoom in [0, 9, 13, 14, 22] {
                    let snapped = MapQuery(box: box, zoom: zoom, category: nil, status: nil).box
                    FuzzCheck.require(snapped.minLongitude <= box.minLongitude && snapped.maxLatitude >= box.maxLatitude, "snapping shrank \(line)")
                }
            }
            // Request paths as limits and the public cache read them, and client addresses as budgets.
            let canonical = CanonicalPath.of(String(line))
            if canonical != line { FuzzCheck.require(canonical.hasPrefix("/") && !canonical.contains("//"), "path \(line) → \(canonical)") }
            for rule in Self.limitRules { _ = rule.covers(method: "GET", path: canonical) }
            _ = IPNetwork.budgetKey(String(line))
            let target = PageRenderer.safeRedirectTarget(String(line), fallback: "/")
            FuzzCheck.require(target == "/" || (target.hasPrefix("/") && !target.hasPrefix("//") && target.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }),
                              "unsafe redirect target \(target)")
        }
    }

    static let limitRules: [RateLimitRule] = ["GET /api/v1/dossiers/:code/*", "* /api/v1/*", "GET /open311/v2/requests.json", "GET /a/:b/:c"]
        .enumerated().compactMap { try? RateLimitRule(name: "r\($0.offset)", route: $0.element, perMinute: 1) }

    static func split(_ bytes: [UInt8]) -> (String, [UInt8]) {
        guard let newline = bytes.firstIndex(of: 0x0A) else { return ("", bytes) }
        return (String(decoding: bytes[..<newline], as: UTF8.self), Array(bytes[(newline + 1)...]))
    }
}
