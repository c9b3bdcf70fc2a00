import Crypto
import Documents
import Foundation

/// PAdES signatures on PDFs: an incremental update that fills an empty signature field with a `/Sig` dictionary whose
/// `/Contents` is a detached CMS over the `/ByteRange` (everything but the hex of `/Contents` itself).
///
/// It works on files with a classic cross-reference table, which is what the platform's own PDF writer produces;
/// cross-reference streams are reported as unsupported rather than guessed at.
public enum PDFSignature {
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Room for the CMS in `/Contents`, in bytes (hex doubles it); our signatures are about 1.5 kB.
    static let reserved = 8192

    /// Signs `pdf` with `signer`: fills the first empty signature field, or adds an invisible one on the first page
    /// (a new widget, the page's /Annots and the catalog's /AcroForm rewritten in the same update).
    package static func sign(_ pdf: [UInt8], with signer: DetachedSignature.PreparedSigner, name: String, at moment: Date) throws -> [UInt8] {
        let document = try PDFStructure(pdf)
        let signatureID = document.size
        var objects: [(id: Int, body: String)] = []
        var size = signatureID + 1
        if let field = try document.emptySignatureField() {
            objects.append((field.id, "\(field.dictionary.dropLast(2))/V \(signatureID) 0 R >>"))
        } else {
            let widgetID = size
            size += 1
            guard let page = document.firstPage(), let pageDictionary = try document.dictionary(page) else {
                throw Problem(description: "The PDF has no page to put a signature field on.")
            }
            guard let rootID = Int(document.root.split(separator: " ").first ?? ""), let catalog = try document.dictionary(rootID) else {
                throw Problem(description: "The PDF's catalog cannot be read.")
            }
            objects.append((widgetID, "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature\(signatureID)) /F 132 /Rect [0 0 0 0] /P \(page) 0 R /V \(signatureID) 0 R >>"))
            objects.append((page, try PDFStructure.adding("\(widgetID) 0 R", toArray: "/Annots", in: pageDictionary, orEntry: "/Annots [\(widgetID) 0 R]")))
            objects.append((rootID, try PDFStructure.adding("\(widgetID) 0 R", toArray: "/Fields", within: "/AcroForm", in: catalog,
                                                            orEntry: "/AcroForm << /Fields [\(widgetID) 0 R] /SigFlags 3 >>")))
        }
        let byteRangePlaceholder = "/ByteRange [0 0000000000 0000000000 0000000000]"
        objects.insert((signatureID, "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached \(byteRangePlaceholder) "
            + "/Contents <\(String(repeating: "0", count: 2 * reserved))> /M \(PDFDocument.date(moment)) /Name \(PDFDocument.textString(name)) >>"), at: 0)

        var update: [UInt8] = pdf.last == 0x0A ? [] : [0x0A]
        var offsets: [(Int, Int)] = []
        for object in objects {
            offsets.append((object.id, pdf.count + update.count))
            update += Array("\(object.id) 0 obj\n\(object.body)\nendobj\n".utf8)
        }
        let signatureOffset = offsets[0].1
        let xrefOffset = pdf.count + update.count
        var table = "xref\n"
        for (id, offset) in offsets.sorted(by: { $0.0 < $1.0 }) { table += "\(id) 1\n" + String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(size) /Root \(document.root) /Prev \(document.startXref)\(document.infoEntry)\(document.idEntry) >>\nstartxref\n\(xrefOffset)\n%%EOF\n"
        update += Array(table.utf8)
        var file = pdf + update

        // Fill in the byte range, then sign what it covers.
        let contentsMarker = Array("/Contents <".utf8)
        guard let markerStart = Self.find(contentsMarker, in: file, from: signatureOffset) else { throw Problem(description: "internal: /Contents not written") }
        let contentsStart = markerStart + contentsMarker.count - 1
        let contentsEnd = contentsStart + 2 * reserved + 2
        let ranges = [0, contentsStart, contentsEnd, file.count - contentsEnd]
        let byteRange = "/ByteRange [\(ranges.map(String.init).joined(separator: " "))]"
        let padded = byteRange.padding(toLength: byteRangePlaceholder.count, withPad: " ", startingAt: 0)
        guard let rangeStart = Self.find(Array(byteRangePlaceholder.utf8), in: file, from: signatureOffset) else { throw Problem(description: "internal: /ByteRange not written") }
        file.replaceSubrange(rangeStart..<(rangeStart + padded.utf8.count), with: Array(padded.utf8))
        let digest = SHA256.hash(data: Array(file[0..<contentsStart]) + Array(file[contentsEnd...]))
        let cms = try signer.sign(digest: digest, signingTime: nil)
        guard cms.count <= reserved else { throw Problem(description: "The signature is larger than the space reserved for it.") }
        let hex = Array((cms.map { String(format: "%02x", $0) }.joined() + String(repeating: "0", count: 2 * (reserved - cms.count))).utf8)
        file.replaceSubrange((contentsStart + 1)..<(contentsEnd - 1), with: hex)
        return file
    }

    /// The signatures a PDF carries: each one's CMS, the bytes it covers, its claimed time, and whether the file goes
    /// on after what it covers (a later incremental update).
    struct Embedded {
        var cms: [UInt8]
        var covered: [UInt8]
        var claimedTime: Date?
        var coversWholeFile: Bool
    }

    static func embedded(in pdf: [UInt8]) throws -> [Embedded] {
        guard pdf.starts(with: Array("%PDF-".utf8)) else { throw Problem(description: "The file is not a PDF.") }
        var found: [Embedded] = []
        var cursor = 0
        let marker = Array("/ByteRange".utf8)
        while let start = find(marker, in: pdf, from: cursor) {
            cursor = start + marker.count
            guard let open = pdf[cursor...].firstIndex(of: UInt8(ascii: "[")), let close = pdf[open...].firstIndex(of: UInt8(ascii: "]")) else { break }
            let numbers = String(decoding: pdf[(open + 1)..<close], as: UTF8.self).split(separator: " ").compactMap { Int($0) }
            guard numbers.count == 4, numbers[0] == 0, numbers[1] > 0, numbers[2] > numbers[1], numbers[3] >= 0, numbers[2] + numbers[3] <= pdf.count,
                  pdf[numbers[1]] == UInt8(ascii: "<"), pdf[numbers[2] - 1] == UInt8(ascii: ">") else {
                throw Problem(description: "A signature's /ByteRange does not match the file: the PDF was damaged or rewritten after signing.")
            }
            let hex = pdf[(numbers[1] + 1)..<(numbers[2] - 1)]
            var der = Self.bytes(hex: hex)
            // /Contents is zero-padded; keep the DER element's own length.
            if der.count > 4, der[0] == 0x30 {
                let length: Int
                if der[1] < 0x80 { length = 2 + Int(der[1]) } else {
                    let count = Int(der[1] & 0x7F)
                    length = 2 + count + der[2..<(2 + count)].reduce(0) { $0 << 8 | Int($1) }
                }
                if length <= der.count { der = Array(der[0..<length]) }
            }
            let dictionaryStart = pdf[..<start].lastIndex(of: UInt8(ascii: "<")).map { max(0, $0 - 1) } ?? start
            let claimed = find(Array("/M (D:".utf8), in: Array(pdf[dictionaryStart..<min(pdf.count, numbers[2] + 200)]), from: 0).flatMap { offset -> Date? in
                let from = dictionaryStart + offset + 6
                return PDFDocument.date(parsing: String(decoding: pdf[from..<min(pdf.count, from + 14)], as: UTF8.self))
            }
            found.append(Embedded(cms: der, covered: Array(pdf[0..<numbers[1]]) + Array(pdf[numbers[2]..<(numbers[2] + numbers[3])]),
                                  claimedTime: claimed, coversWholeFile: Self.coversToEnd(pdf, upTo: numbers[2] + numbers[3])))
            cursor = numbers[2]
        }
        return found
    }

    /// Whatever follows the covered bytes may only be trailing whitespace.
    static func coversToEnd(_ pdf: [UInt8], upTo end: Int) -> Bool {
        pdf[end...].allSatisfy { $0 == 0x0A || $0 == 0x0D || $0 == 0x20 }
    }

    static func bytes(hex: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(hex.count / 2)
        var high: UInt8?
        for character in hex {
            let value: UInt8
            switch character {
            case 0x30...0x39: value = character - 0x30
            case 0x41...0x46: value = character - 0x37
            case 0x61...0x66: value = character - 0x57
            default: continue
            }
            if let first = high { output.append(first << 4 | value); high = nil } else { high = value }
        }
        return output
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

}

/// Just enough of a PDF's structure to append an incremental update: the last trailer and the objects it reaches.
struct PDFStructure {
    let bytes: [UInt8]
    let startXref: Int
    let size: Int
    let root: String
    let infoEntry: String
    let idEntry: String
    var offsets: [Int: Int] = [:]

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        guard bytes.starts(with: Array("%PDF-".utf8)) else { throw PDFSignature.Problem(description: "The file is not a PDF.") }
        let tail = String(decoding: bytes.suffix(1024), as: UTF8.self)
        guard let marker = tail.range(of: "startxref", options: .backwards),
              let offset = Int(tail[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines).prefix { $0.isNumber }),
              offset > 0, offset < bytes.count else {
            throw PDFSignature.Problem(description: "The PDF has no valid startxref: its cross-reference table is broken.")
        }
        startXref = offset
        guard bytes[offset...].starts(with: Array("xref".utf8)) else {
            throw PDFSignature.Problem(description: "The PDF uses a cross-reference stream or its startxref points nowhere; only classic tables are supported.")
        }
        var trailer: String?
        var sectionOffset: Int? = offset
        while let current = sectionOffset {
            let section = try Self.readSection(bytes, at: current)
            for (id, objectOffset) in section.entries where offsets[id] == nil { offsets[id] = objectOffset }
            trailer = trailer ?? section.trailer
            sectionOffset = Self.value("/Prev", in: section.trailer).flatMap { Int($0) }
            if let next = sectionOffset, next == current || next >= bytes.count { sectionOffset = nil }
        }
        guard let trailer, let size = Self.value("/Size", in: trailer).flatMap({ Int($0) }), let root = Self.reference("/Root", in: trailer) else {
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
    func emptySignatureField() throws -> (id: Int, dictionary: String)? {
        for id in offsets.keys.sorted() {
            guard let dictionary = try? dictionary(id) else { continue }
            if dictionary.contains("/FT /Sig"), !dictionary.contains("/V ") { return (id, dictionary) }
        }
        return nil
    }

    /// An object's dictionary as written, when it is a plain ASCII dictionary (not a stream); rewriting anything
    /// else could change bytes we do not understand.
    func dictionary(_ id: Int) throws -> String? {
        guard let offset = offsets[id], let objEnd = PDFSignature.find(Array("obj".utf8), in: bytes, from: offset),
              let end = PDFSignature.find(Array("endobj".utf8), in: bytes, from: objEnd + 3) else { return nil }
        let body = bytes[(objEnd + 3)..<end]
        guard body.allSatisfy({ $0 < 0x80 }) else { return nil }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("<<"), text.hasSuffix(">>"), !text.contains("stream") else { return nil }
        return text
    }

    /// The lowest-numbered page object.
    func firstPage() -> Int? {
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
            guard parts.count == 2, let first = Int(parts[0]), let count = Int(parts[1]), count >= 0, count <= lines.count else {
                throw PDFSignature.Problem(description: "A cross-reference subsection header is malformed.")
            }
            for index in 0..<count {
                guard let line = lines.popFirst() else { break }
                let fields = line.split(separator: " ")
                if fields.count >= 3, fields[2] == "n", let objectOffset = Int(fields[0]) { entries.append((first + index, objectOffset)) }
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
