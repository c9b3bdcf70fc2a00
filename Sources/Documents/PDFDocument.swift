import Foundation
import QRCode

// Hand-written: no PDF writer exists among the Swift packages in the mirror; qpdf and pdftotext check it in the tests.
/// A small PDF 1.7 writer for the city's own documents (receipt slips, results, payment receipts): A4 pages, text in
/// an embedded, subsetted TrueType font with a ToUnicode map (so Vietnamese renders and can be searched and
/// extracted), lines, and QR codes drawn as vector squares. It writes a classic cross-reference table, which the
/// signature module appends to as an incremental update.
public struct PDFDocument: Sendable {
    public static let a4 = (width: 595.28, height: 841.89)

    public enum Weight: Sendable { case regular, bold }

    struct Page {
        var content = ""
    }

    let regular: TrueTypeFont
    let bold: TrueTypeFont
    var pages: [Page] = [Page()]
    var used: [Weight: Set<UInt16>] = [.regular: [], .bold: []]
    public var title: String
    public var author: String

    public init(title: String, author: String, regular: TrueTypeFont, bold: TrueTypeFont? = nil) {
        self.title = title
        self.author = author
        self.regular = regular
        self.bold = bold ?? regular
    }

    /// Regular and bold DejaVu Sans from the system (fonts-dejavu-core), or `HUES_PDF_FONT` for both.
    public static func withSystemFonts(title: String, author: String) throws -> PDFDocument {
        let (regular, bold) = try systemFonts.get()
        return PDFDocument(title: title, author: author, regular: regular, bold: bold)
    }

    /// Read and parsed once per process: every receipt slip would otherwise load 1.5 MB of font files.
    private static let systemFonts: Result<(TrueTypeFont, TrueTypeFont?), any Error> = Result {
        let regular = try TrueTypeFont.system()
        let bold = ProcessInfo.processInfo.environment["HUES_PDF_FONT"] == nil
            ? (try? TrueTypeFont.system(path: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")) : nil
        return (regular, bold)
    }

    public mutating func newPage() { pages.append(Page()) }

    func font(_ weight: Weight) -> TrueTypeFont { weight == .bold ? bold : regular }

    /// One line of text with its baseline at (x, y), in points from the bottom left.
    public mutating func text(_ text: String, x: Double, y: Double, size: Double = 11, weight: Weight = .regular) {
        let font = font(weight)
        let glyphs = text.precomposedStringWithCanonicalMapping.unicodeScalars.map { font.glyph(for: $0) }
        used[weight, default: []].formUnion(glyphs)
        let hex = glyphs.map { String(format: "%04X", $0) }.joined()
        pages[pages.count - 1].content += "BT /\(weight == .bold ? "F2" : "F1") \(Self.number(size)) Tf \(Self.number(x)) \(Self.number(y)) Td <\(hex)> Tj ET\n"
    }

    /// Text wrapped to `width`; returns the baseline below the last line.
    @discardableResult
    public mutating func paragraph(_ text: String, x: Double, y: Double, width: Double, size: Double = 11, weight: Weight = .regular,
                                   leading: Double? = nil) -> Double {
        let step = leading ?? size * 1.35
        var line = ""
        var baseline = y
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            if !line.isEmpty, font(weight).width(of: candidate, size: size) > width {
                self.text(line, x: x, y: baseline, size: size, weight: weight)
                baseline -= step
                line = String(word)
            } else {
                line = candidate
            }
        }
        if !line.isEmpty { self.text(line, x: x, y: baseline, size: size, weight: weight) }
        return baseline - step
    }

    public mutating func line(from start: (Double, Double), to end: (Double, Double), width: Double = 0.5) {
        pages[pages.count - 1].content += "\(Self.number(width)) w \(Self.number(start.0)) \(Self.number(start.1)) m \(Self.number(end.0)) \(Self.number(end.1)) l S\n"
    }

    /// A QR code whose lower left corner is at (x, y), `side` points wide, quiet zone included.
    public mutating func qrCode(_ code: QRCode, x: Double, y: Double, side: Double) {
        let modules = Double(code.size + 8)
        let unit = side / modules
        var content = "q 1 g \(Self.number(x)) \(Self.number(y)) \(Self.number(side)) \(Self.number(side)) re f 0 g\n"
        for row in 0..<code.size {
            for column in 0..<code.size where code[column, row] {
                let left = x + (Double(column) + 4) * unit
                let bottom = y + side - (Double(row) + 5) * unit
                content += "\(Self.number(left)) \(Self.number(bottom)) \(Self.number(unit)) \(Self.number(unit)) re\n"
            }
        }
        pages[pages.count - 1].content += content + "f Q\n"
    }

    public func width(of text: String, size: Double, weight: Weight = .regular) -> Double { font(weight).width(of: text, size: size) }

    // MARK: Writing

    /// The finished file. `signatureField` names an empty signature field to add on the last page, ready to be
    /// filled by an incremental update (the way pyHanko and Acrobat expect a certified document to be signed).
    public func write(signatureField: String? = nil, at moment: Date = Date()) throws -> [UInt8] {
        var writer = ObjectWriter()
        let catalog = writer.reserve(), pagesNode = writer.reserve(), info = writer.reserve()
        let fonts: [(name: String, weight: Weight)] = [("F1", .regular), ("F2", .bold)]
        var fontRefs: [String: Int] = [:]
        for (name, weight) in fonts { fontRefs[name] = try writeFont(font(weight), glyphs: used[weight] ?? [], tag: name, into: &writer) }
        let resources = "<< /Font << /F1 \(fontRefs["F1"] ?? 0) 0 R /F2 \(fontRefs["F2"] ?? 0) 0 R >> >>"
        var pageRefs: [Int] = []
        var field: Int?
        for (index, page) in pages.enumerated() {
            let content = writer.add(stream: Array(page.content.utf8))
            let pageID = writer.reserve()
            var annotations = ""
            if let signatureField, index == pages.count - 1 {
                // An invisible widget: the signature is shown by the text the document already prints.
                let widget = writer.add("<< /Type /Annot /Subtype /Widget /FT /Sig /T \(Self.textString(signatureField)) /F 132 /Rect [0 0 0 0] /P \(pageID) 0 R >>")
                field = widget
                annotations = " /Annots [\(widget) 0 R]"
            }
            writer.set(pageID, "<< /Type /Page /Parent \(pagesNode) 0 R /MediaBox [0 0 \(Self.number(Self.a4.width)) \(Self.number(Self.a4.height))] /Resources \(resources) /Contents \(content) 0 R\(annotations) >>")
            pageRefs.append(pageID)
        }
        writer.set(pagesNode, "<< /Type /Pages /Kids [\(pageRefs.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pageRefs.count) >>")
        let form = field.map { " /AcroForm << /Fields [\($0) 0 R] /SigFlags 3 >>" } ?? ""
        writer.set(catalog, "<< /Type /Catalog /Pages \(pagesNode) 0 R\(form) >>")
        writer.set(info, "<< /Title \(Self.textString(title)) /Author \(Self.textString(author)) /Producer (HueS) /CreationDate \(Self.date(moment)) >>")
        return writer.finish(root: catalog, info: info)
    }

    private func writeFont(_ font: TrueTypeFont, glyphs: Set<UInt16>, tag: String, into writer: inout ObjectWriter) throws -> Int {
        let subset = try FontSubset.make(font, keeping: glyphs)
        // A subset's name starts with six capital letters and '+', derived from what it contains.
        let prefix = String(String(glyphs.sorted().reduce(5381) { ($0 &* 33) &+ Int($1) }.magnitude, radix: 26).uppercased()
            .map { character -> Character in
                let value = Int(String(character), radix: 26) ?? 0
                return Character(Unicode.Scalar(UInt8(65 + value)))
            }.suffix(6)).padding(toLength: 6, withPad: "A", startingAt: 0)
        let name = "\(prefix)+\(font.postScriptName)"
        let file = writer.add(stream: subset, extra: "/Length1 \(subset.count)")
        let descriptor = writer.add("""
            << /Type /FontDescriptor /FontName /\(name) /Flags 32 /FontBBox [\(font.boundingBox.map { String(font.scaled($0)) }.joined(separator: " "))] \
            /ItalicAngle 0 /Ascent \(font.scaled(font.ascent)) /Descent \(font.scaled(font.descent)) /CapHeight \(font.scaled(font.capHeight)) \
            /StemV 80 /FontFile2 \(file) 0 R >>
            """)
        let sorted = glyphs.sorted()
        let widths = sorted.map { "\($0) [\(font.width(of: $0))]" }.joined(separator: " ")
        let cid = writer.add("""
            << /Type /Font /Subtype /CIDFontType2 /BaseFont /\(name) /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
            /FontDescriptor \(descriptor) 0 R /W [\(widths)] /DW 500 /CIDToGIDMap /Identity >>
            """)
        let toUnicode = writer.add(stream: Array(toUnicodeMap(font, glyphs: sorted).utf8))
        return writer.add("<< /Type /Font /Subtype /Type0 /BaseFont /\(name) /Encoding /Identity-H /DescendantFonts [\(cid) 0 R] /ToUnicode \(toUnicode) 0 R >>")
    }

    /// The CMap that turns glyph ids back into text (for copy, search and pdftotext).
    private func toUnicodeMap(_ font: TrueTypeFont, glyphs: [UInt16]) -> String {
        var reverse: [UInt16: UInt32] = [:]
        for (scalar, glyph) in font.glyphs where glyphs.contains(glyph) {
            if let existing = reverse[glyph], existing < scalar { continue }
            reverse[glyph] = scalar
        }
        var lines: [String] = []
        let entries = reverse.sorted { $0.key < $1.key }
        for chunk in stride(from: 0, to: entries.count, by: 100) {
            let slice = entries[chunk..<min(chunk + 100, entries.count)]
            lines.append("\(slice.count) beginbfchar")
            for (glyph, scalar) in slice {
                let utf16 = Unicode.Scalar(scalar).map { String($0).utf16.map { String(format: "%04X", $0) }.joined() } ?? "FFFD"
                lines.append(String(format: "<%04X> <", glyph) + utf16 + ">")
            }
            lines.append("endbfchar")
        }
        return """
            /CIDInit /ProcSet findresource begin
            12 dict begin
            begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            /CMapName /Adobe-Identity-UCS def
            /CMapType 2 def
            1 begincodespacerange
            <0000> <FFFF>
            endcodespacerange
            \(lines.joined(separator: "\n"))
            endcmap
            CMapName currentdict /CMap defineresource pop
            end
            end
            """
    }

    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
    }

    /// A PDF text string in UTF-16BE with a byte-order mark, as hex (safe for any character).
    public static func textString(_ text: String) -> String {
        "<FEFF" + text.utf16.map { String(format: "%04X", $0) }.joined() + ">"
    }

    /// A PDF date string, `(D:YYYYMMDDHHmmSSZ)`, in UTC.
    public static func date(_ date: Date) -> String { "(D:\(dateFormatter().string(from: date))Z)" }

    /// Reads the `YYYYMMDDHHmmSS` that follows `D:` in a PDF date, taken as UTC.
    public static func date(parsing text: String) -> Date? { dateFormatter().date(from: String(text.prefix(14))) }

    private static func dateFormatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter
    }
}

/// Numbers objects, remembers where each one starts, and writes the cross-reference table and trailer.
struct ObjectWriter {
    private var bodies: [Int: [UInt8]] = [:]
    private var count = 0

    mutating func reserve() -> Int {
        count += 1
        return count
    }

    mutating func set(_ id: Int, _ dictionary: String) { bodies[id] = Array(dictionary.utf8) }

    mutating func add(_ dictionary: String) -> Int {
        let id = reserve()
        set(id, dictionary)
        return id
    }

    mutating func add(stream: [UInt8], extra: String = "") -> Int {
        let id = reserve()
        bodies[id] = Array("<< /Length \(stream.count)\(extra.isEmpty ? "" : " " + extra) >>\nstream\n".utf8) + stream + Array("\nendstream".utf8)
        return id
    }

    func finish(root: Int, info: Int) -> [UInt8] {
        var file = Array("%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for id in 1...count {
            offsets.append(file.count)
            file += Array("\(id) 0 obj\n".utf8) + (bodies[id] ?? Array("null".utf8)) + Array("\nendobj\n".utf8)
        }
        let xref = file.count
        var table = "xref\n0 \(count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        let identifier = (0..<16).map { _ in String(format: "%02X", UInt8.random(in: 0...255)) }.joined()
        table += "trailer\n<< /Size \(count + 1) /Root \(root) 0 R /Info \(info) 0 R /ID [<\(identifier)> <\(identifier)>] >>\nstartxref\n\(xref)\n%%EOF\n"
        return file + Array(table.utf8)
    }
}
