import Foundation
import Platform

// Hand-written: no PDF parser exists among the Swift packages in the mirror; fuzzed by `fuzz/run pdf-structure`.
/// Just enough of a PDF's structure to append an incremental update: the last trailer and the objects it reaches.
package struct PDFStructure {
    let bytes: [UInt8]
    let startXref: Int
    let size: Int
    let root: String
    let infoEntry: String
    let idEntry: String
    var offsets: [Int: Int] = [:]

    /// The PDF object-number limit (ISO 32000 annex C): a larger /Size or object number is damage, not a document.
    static let maxObjectNumber = 8_388_607
    /// Incremental updates followed through /Prev before the file is judged damaged (real files have a handful).
    static let maxSections = 32
    /// A dictionary we would rewrite is small (a page, the catalog, a field); nothing larger is read as one.
    static let maxDictionaryBytes = 65_536

    package init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        guard bytes.starts(with: Array("%PDF-".utf8)) else { throw PDFSignature.Problem(description: "The file is not a PDF.") }
        let tail = String(decoding: bytes.suffix(1024), as: UTF8.self)
        guard let marker = tail.range(of: "startxref", options: .backwards),
              let offset = BoundedInteger.parse(tail[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines).prefix { $0.isASCII && $0.isNumber },
                                                in: 1...(bytes.count - 1)) else {
            throw PDFSignature.Problem(description: "The PDF has no valid startxref: its cross-reference table is broken.")
        }
        startXref = offset
        guard bytes[offset...].starts(with: Array("xref".utf8)) else {
            throw PDFSignature.Problem(description: "The PDF uses a cross-reference stream or its startxref points nowhere; only classic tables are supported.")
        }
        var trailer: String?
        var sectionOffset: Int? = offset
        var visited: Set<Int> = []
        while let current = sectionOffset {
            // /Prev chains that loop (A → B → A) or run on are damage; each section is read once.
            guard visited.insert(current).inserted, visited.count <= Self.maxSections else {
                throw PDFSignature.Problem(description: "The PDF's cross-reference sections point at each other in a loop: the xref is broken.")
            }
            let section = try Self.readSection(bytes, at: current)
            for (id, objectOffset) in section.entries where offsets[id] == nil { offsets[id] = objectOffset }
            trailer = trailer ?? section.trailer
            sectionOffset = Self.value("/Prev", in: section.trailer).flatMap { BoundedInteger.parse($0, in: 0...(bytes.count - 1)) }
        }
        guard let trailer, let size = Self.value("/Size", in: trailer).flatMap({ BoundedInteger.parse($0, in: 1...Self.maxObjectNumber) }),
              let root = Self.reference("/Root", in: trailer) else {
            throw PDFSignature.Problem(description: "The PDF trailer has no /Size or /Root.")
        }
        self.size = size
        self.root = root
        infoEntry = Self.reference("/Info", in: trailer).map { " /Info \($0)" } ?? ""
        idEntry = trailer.range(of: "/ID").map { range in
            let rest = trailer[range.upperBound...]
            guard let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") else { return "" }
            return " /ID \(rest[open...close])"
        } ?? ""
        for (id, objectOffset) in offsets {
            guard objectOffset < bytes.count, bytes[objectOffset...].starts(with: Array("\(id) ".utf8)) else {
                throw PDFSignature.Problem(description: "The cross-reference table points object \(id) at the wrong offset: the xref is broken.")
            }
        }
    }

    /// The first signature widget without a value, with its dictionary as written.
    package func emptySignatureField() throws -> (id: Int, dictionary: String)? {
        for id in offsets.keys.sorted() {
            guard let dictionary = try? dictionary(id) else { continue }
            if dictionary.contains("/FT /Sig"), !dictionary.contains("/V ") { return (id, dictionary) }
        }
        return nil
    }

    /// An object's dictionary as written, when it is a plain ASCII dictionary (not a stream); rewriting anything
    /// else could change bytes we do not understand.
    func dictionary(_ id: Int) throws -> String? {
        // "N G obj" starts at the offset; its "endobj" comes within a small dictionary's length.
        guard let offset = offsets[id], let objEnd = PDFSignature.find(Array("obj".utf8), in: bytes, from: offset, before: offset + 32),
              let end = PDFSignature.find(Array("endobj".utf8), in: bytes, from: objEnd + 3, before: objEnd + 3 + Self.maxDictionaryBytes) else { return nil }
        let body = bytes[(objEnd + 3)..<end]
        guard body.allSatisfy({ $0 < 0x80 }) else { return nil }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("<<"), text.hasSuffix(">>"), !text.contains("stream") else { return nil }
        return text
    }

    /// The lowest-numbered page object.
    package func firstPage() -> Int? {
        offsets.keys.sorted().first { id in
            guard let dictionary = try? dictionary(id) else { return false }
            return dictionary.range(of: #"/Type\s*/Page(?![a-zA-Z])"#, options: .regularExpression) != nil
        }
    }

    /// `dictionary` with `item` added to its array `key` (inside the inline dictionary `parent` when given), or with
    /// `entry` added when there is no such key.
    static func adding(_ item: String, toArray key: String, within parent: String? = nil, in dictionary: String, orEntry entry: String) throws -> String {
        if let parent, let parentRange = dictionary.range(of: parent) {
            let rest = dictionary[parentRange.upperBound...].drop { $0 == " " || $0.isNewline }
            guard rest.hasPrefix("<<"), let keyRange = dictionary.range(of: key + " [", range: parentRange.upperBound..<dictionary.endIndex)
                ?? dictionary.range(of: key + "[", range: parentRange.upperBound..<dictionary.endIndex),
                let close = dictionary[keyRange.upperBound...].firstIndex(of: "]") else {
                throw PDFSignature.Problem(description: "The PDF's \(parent) is not an inline dictionary with a \(key) array; it cannot take a new signature field.")
            }
            var result = dictionary
            result.insert(contentsOf: " \(item)", at: close)
            return result
        }
        if parent == nil, let keyRange = dictionary.range(of: key) {
            let rest = dictionary[keyRange.upperBound...].drop { $0 == " " || $0.isNewline }
            guard rest.hasPrefix("["), let close = rest.firstIndex(of: "]") else {
                throw PDFSignature.Problem(description: "The page's \(key) is not an inline array; it cannot take a new signature field.")
            }
            var result = dictionary
            result.insert(contentsOf: " \(item)", at: close)
            return result
        }
        return String(dictionary.dropLast(2)) + entry + " >>"
    }

    static func readSection(_ bytes: [UInt8], at offset: Int) throws -> (entries: [(Int, Int)], trailer: String) {
        guard let end = PDFSignature.find(Array("startxref".utf8), in: bytes, from: offset) else {
            throw PDFSignature.Problem(description: "A cross-reference section has no trailer.")
        }
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        guard let trailerRange = text.range(of: "trailer") else { throw PDFSignature.Problem(description: "A cross-reference section has no trailer.") }
        var entries: [(Int, Int)] = []
        var lines = text[..<trailerRange.lowerBound].split(whereSeparator: \.isNewline).dropFirst()[...]
        while let header = lines.popFirst() {
            let parts = header.split(separator: " ")
            guard parts.count == 2, let first = BoundedInteger.parse(parts[0], in: 0...maxObjectNumber),
                  let count = BoundedInteger.parse(parts[1], in: 0...lines.count), count <= maxObjectNumber + 1 - first else {
                throw PDFSignature.Problem(description: "A cross-reference subsection header is malformed.")
            }
            for index in 0..<count {
                guard let line = lines.popFirst() else { break }
                let fields = line.split(separator: " ")
                guard fields.count >= 3, fields[2] == "n" else { continue }
                guard let objectOffset = BoundedInteger.parse(fields[0], in: 0...(bytes.count - 1)) else {
                    throw PDFSignature.Problem(description: "A cross-reference entry points outside the file: the xref is broken.")
                }
                entries.append((first + index, objectOffset))
            }
        }
        return (entries, String(text[trailerRange.upperBound...]))
    }

    static func value(_ key: String, in dictionary: String) -> String? {
        guard let range = dictionary.range(of: key + " ") ?? dictionary.range(of: key) else { return nil }
        return String(dictionary[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber })
    }

    static func reference(_ key: String, in dictionary: String) -> String? {
        guard let range = dictionary.range(of: key) else { return nil }
        let parts = dictionary[range.upperBound...].split(separator: " ", omittingEmptySubsequences: true).prefix(3)
        guard parts.count == 3, Int(parts[0]) != nil, Int(parts[1]) != nil, parts[2].hasPrefix("R") else { return nil }
        return "\(parts[0]) \(parts[1]) R"
    }
}
