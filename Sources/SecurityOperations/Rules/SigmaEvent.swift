import Foundation
import Platform

/// An event as rules read it: field names folded to ASCII lower case (rules name fields in any case), each value
/// kept as text, as its ASCII-folded bytes for case-insensitive patterns, and as a number when it is one.
/// Built once per event and shared by every rule.
public struct SigmaEvent: Sendable {
    var fields: [String: SigmaFieldValue]

    /// Only the fields in `wanted` (folded names) are prepared when given: the rules read few of an event's fields.
    public init(fields source: [String: JSONValue], wanted: Set<String>? = nil) {
        var fields: [String: SigmaFieldValue] = [:]
        fields.reserveCapacity(wanted.map { min($0.count, source.count) } ?? source.count)
        for (name, value) in source {
            let folded = SigmaText.foldedString(name)
            if let wanted, !wanted.contains(folded) { continue }
            guard let prepared = SigmaFieldValue(value) else { continue }
            // Two names that differ only in case: the first one read wins, as a case-insensitive store would keep one.
            if fields[folded] == nil { fields[folded] = prepared }
        }
        self.fields = fields
    }

    func value(_ field: String) -> SigmaFieldValue? { fields[field] }
}

/// One field's value. A JSON array is any of its elements (ECS fields such as `related.ip` are lists).
struct SigmaFieldValue: Sendable {
    let text: String
    let folded: [UInt8]
    let number: Double?
    let bool: Bool?
    var elements: [SigmaFieldValue] = []

    /// nil for JSON null: a null field is a missing one.
    init?(_ value: JSONValue) {
        switch value {
        case .null:
            return nil
        case .string(let string):
            self.init(text: string, number: SigmaText.number(string), bool: nil)
        case .number(let number):
            self.init(text: SigmaText.format(number), number: number, bool: nil)
        case .bool(let flag):
            self.init(text: flag ? "true" : "false", number: nil, bool: flag)
        case .array(let items):
            let values = items.compactMap(SigmaFieldValue.init)
            guard var first = values.first else { return nil }
            first.elements = Array(values.dropFirst())
            self = first
        case .object:
            // Events are flattened to dotted names before rules see them; an object left is not a value to match.
            return nil
        }
    }

    private init(text: String, number: Double?, bool: Bool?) {
        self.text = text
        self.folded = SigmaText.folded(text)
        self.number = number
        self.bool = bool
    }

    /// Whether this value or, for a list, any of its elements satisfies the test.
    func any(_ test: (SigmaFieldValue) -> Bool) -> Bool {
        if test(self) { return true }
        for element in elements where test(element) { return true }
        return false
    }
}

/// ASCII-only case folding and number reading as the reference engine does them.
enum SigmaText {
    static func folded(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A { bytes[index] |= 0x20 }
        return bytes
    }

    static func foldedString(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return text }
        return String(decoding: folded(text), as: UTF8.self)
    }

    /// A decimal number written plainly (`4625`, `-3`, `1.5`); not hex, not exponents, not padded with spaces.
    static func number(_ text: String) -> Double? {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= 40 else { return nil }
        var digits = 0
        var dots = 0
        for (offset, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: "-") where offset == 0: continue
            default: return nil
            }
        }
        guard digits > 0, dots <= 1 else { return nil }
        return Double(text)
    }

    /// A number as text the way it is written in rules and logs: whole numbers without a decimal point.
    static func format(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), number.magnitude < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}
