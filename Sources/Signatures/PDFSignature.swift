import Crypto
import Documents
import Foundation
import Platform

// Hand-written: no PDF signing library exists among the Swift packages in the mirror; pyHanko checks it in the tests.
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
        let hex = Array((cms.hexString + String(repeating: "0", count: 2 * (reserved - cms.count))).utf8)
        file.replaceSubrange((contentsStart + 1)..<(contentsEnd - 1), with: hex)
        return file
    }

    /// A signature a PDF carries: its CMS, the two byte ranges it covers, its claimed time, and whether the file goes
    /// on after what it covers (a later incremental update).
    package struct Embedded {
        package var cms: [UInt8]
        package var coveredRanges: [Range<Int>]
        package var claimedTime: Date?
        package var coversWholeFile: Bool

        /// The signed bytes, built only for the signature being verified (a copy of nearly the whole file).
        package func covered(in pdf: [UInt8]) -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(coveredRanges.reduce(0) { $0 + $1.count })
            for range in coveredRanges { bytes += pdf[range] }
            return bytes
        }
    }

    /// More signatures than any real document carries: past this the file is refused rather than read further.
    static let maxSignatures = 64

    /// Every `/ByteRange` signature in the file, checked against the file's length before any byte is read.
    ///
    /// The PDF comes from anyone (the public verification page), so every number in it is parsed into a bounded
    /// value, every range is checked against the file, and the cursor only ever moves forward.
    package static func embedded(in pdf: [UInt8]) throws -> [Embedded] {
        guard pdf.starts(with: Array("%PDF-".utf8)) else { throw Problem(description: "The file is not a PDF.") }
        var found: [Embedded] = []
        var cursor = 0
        let marker = Array("/ByteRange".utf8)
        while let start = find(marker, in: pdf, from: cursor) {
            guard found.count < maxSignatures else { throw Problem(description: "The PDF carries more than \(maxSignatures) signatures.") }
            cursor = start + marker.count
            guard let ranges = try byteRange(in: pdf, after: cursor) else { break }
            found.append(Embedded(cms: contents(pdf, ranges), coveredRanges: [0..<ranges.contentsStart, ranges.contentsEnd..<ranges.end],
                                  claimedTime: claimedTime(in: pdf, dictionaryAround: start, upTo: ranges.contentsEnd),
                                  coversWholeFile: coversToEnd(pdf, upTo: ranges.end)))
            // Forward only: past the marker, and past /Contents when it follows (it may also come before the marker).
            cursor = max(cursor, ranges.contentsEnd)
        }
        return found
    }

    /// A `/ByteRange [0 a b c]` after `from`: a is where the `<` of /Contents is, b is one past its `>`, b + c ≤ the file.
    static func byteRange(in pdf: [UInt8], after from: Int) throws -> (contentsStart: Int, contentsEnd: Int, end: Int)? {
        guard let open = firstIndex(of: UInt8(ascii: "["), in: pdf, from: from, within: 64),
              let close = firstIndex(of: UInt8(ascii: "]"), in: pdf, from: open, within: 128) else { return nil }
        let numbers = pdf[(open + 1)..<close].split { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }
            .map { BoundedInteger.parse(String(decoding: $0, as: UTF8.self), in: 0...pdf.count) }
        let damaged = Problem(description: "A signature's /ByteRange does not match the file: the PDF was damaged or rewritten after signing.")
        guard numbers.count == 4, let first = numbers[0], let a = numbers[1], let b = numbers[2], let c = numbers[3] else { throw damaged }
        // b ≤ pdf.count and c ≤ pdf.count - b: checked as a subtraction, so no sum can overflow.
        guard first == 0, a > 0, b >= a + 2, c <= pdf.count - b, pdf[a] == UInt8(ascii: "<"), pdf[b - 1] == UInt8(ascii: ">") else { throw damaged }
        return (a, b, b + c)
    }

    /// The DER inside /Contents, without the zero padding after the element.
    static func contents(_ pdf: [UInt8], _ ranges: (contentsStart: Int, contentsEnd: Int, end: Int)) -> [UInt8] {
        let der = bytes(hex: pdf[(ranges.contentsStart + 1)..<(ranges.contentsEnd - 1)])
        guard let length = derElementLength(der), length <= der.count else { return der }
        return Array(der[0..<length])
    }

    /// The length of the DER SEQUENCE at the start of `der` (header included), when its header is readable.
    static func derElementLength(_ der: [UInt8]) -> Int? {
        guard der.count >= 2, der[0] == 0x30 else { return nil }
        if der[1] < 0x80 { return 2 + Int(der[1]) }
        // Long form: at most four length bytes (a signature is kilobytes), all present.
        let count = Int(der[1] & 0x7F)
        guard (1...4).contains(count), der.count >= 2 + count else { return nil }
        return 2 + count + der[2..<(2 + count)].reduce(0) { $0 << 8 | Int($1) }
    }

    /// The `/M (D:…)` of the signature dictionary around `marker`, looked for only near it.
    static func claimedTime(in pdf: [UInt8], dictionaryAround marker: Int, upTo contentsEnd: Int) -> Date? {
        let lowest = max(0, marker - 65_536)
        let dictionaryStart = (lowest..<marker).reversed().first { pdf[$0] == UInt8(ascii: "<") }.map { max(0, $0 - 1) } ?? marker
        // /M may follow /Contents (kilobytes of hex) but stays within the dictionary: never search the whole file.
        let upper = min(pdf.count, max(marker, contentsEnd) + 200, marker + 262_144)
        guard upper > dictionaryStart, let offset = find(Array("/M (D:".utf8), in: pdf, from: dictionaryStart, before: upper) else { return nil }
        let from = offset + 6
        return PDFDocument.date(parsing: String(decoding: pdf[from..<min(pdf.count, from + 14)], as: UTF8.self))
    }

    static func firstIndex(of byte: UInt8, in bytes: [UInt8], from start: Int, within window: Int) -> Int? {
        guard start >= 0, start < bytes.count else { return nil }
        return bytes[start..<min(bytes.count, start + window)].firstIndex(of: byte)
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

    /// The first `needle` at or after `start` that ends before `end` (the whole file by default).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, before end: Int? = nil) -> Int? {
        let limit = min(end ?? haystack.count, haystack.count)
        guard !needle.isEmpty, start >= 0, limit >= needle.count, start <= limit - needle.count else { return nil }
        var index = start
        while index <= limit - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

}
