import Foundation
import Platform

/// An event as rules read it: field names folded to ASCII lower case (rules name fields in any case), each value
/// kept as text, as its ASCII-folded bytes for case-insensitive patterns, and as a number when it is one.
/// Built once per event and shared by every rule: by a rule set, in the slots it gave the fields its rules read
/// (an array index per test, no hashing); alone, by name.
public struct SigmaEvent: Sendable {
    var fields: [String: SigmaFieldValue] = [:]
    var slots: [SigmaFieldValue?] = []

    /// Every field by its folded name; only those in `wanted` when given.
    public init(fields source: [String: JSONValue], wanted: Set<String>? = nil) {
        fields.reserveCapacity(wanted.map { min($0.count, source.count) } ?? source.count)
        for (name, value) in source {
            let folded = SigmaText.foldedString(name)
            if let wanted, !wanted.contains(folded) { continue }
            guard let prepared = SigmaFieldValue.make(value) else { continue }
            // Two names that differ only in case: the first one read wins, as a case-insensitive store would keep one.
            if fields[folded] == nil { fields[folded] = prepared }
        }
    }

    /// The fields a rule set reads, in its slots.
    init(fields source: [String: JSONValue], slots table: [String: Int]) {
        slots = Array(repeating: nil, count: table.count)
        for (name, value) in source {
            guard let slot = table[name] ?? table[SigmaText.foldedString(name)], slots[slot] == nil,
                  let prepared = SigmaFieldValue.make(value) else { continue }
            slots[slot] = prepared
        }
    }

    @inline(__always)
    func value(_ field: String, slot: Int) -> SigmaFieldValue? {
        if slot >= 0 { return slot < slots.count ? slots[slot] : nil }
        return fields[field]
    }
}

/// One field's value. A JSON array is any of its elements (ECS fields such as `related.ip` are lists).
final class SigmaFieldValue: Sendable {
    let text: String
    let folded: [UInt8]
    let number: Double?
    let bool: Bool?
    let elements: [SigmaFieldValue]

    /// nil for JSON null: a null field is a missing one.
    static func make(_ value: JSONValue) -> SigmaFieldValue? {
        switch value {
        case .null:
            return nil
        case .string(let string):
            // Text that reads as a number is that number, and patterns see the number as written canonically, as
            // the reference's numeric columns store it ("0042" is 42).
            if let number = SigmaText.number(string) {
                return SigmaFieldValue(text: SigmaText.format(number), number: number, bool: nil)
            }
            return SigmaFieldValue(text: string, number: nil, bool: nil)
        case .number(let number):
            return SigmaFieldValue(text: SigmaText.format(number), number: number, bool: nil)
        case .bool(let flag):
            return SigmaFieldValue(text: flag ? "true" : "false", number: nil, bool: flag)
        case .array(let items):
            let values = items.compactMap(SigmaFieldValue.make)
            guard let first = values.first else { return nil }
            return SigmaFieldValue(text: first.text, number: first.number, bool: first.bool, elements: Array(values.dropFirst()))
        case .object:
            // Events are flattened to dotted names before rules see them; an object left is not a value to match.
            return nil
        }
    }

    private init(text: String, number: Double?, bool: Bool?, elements: [SigmaFieldValue] = []) {
        self.text = text
        self.folded = SigmaText.folded(text)
        self.number = number
        self.bool = bool
        self.elements = elements
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

    /// A decimal number as SQLite's numeric affinity reads text: optional surrounding ASCII whitespace, a sign,
    /// digits with at most one point, an exponent; not hex, not `inf`, not digit groups.
    static func number(_ text: String) -> Double? {
        // Most values (paths, command lines, names) fail on their first byte: no copy for them.
        guard let lead = text.utf8.first, (lead >= 0x30 && lead <= 0x39) || lead == 0x2B || lead == 0x2D || lead == 0x2E
            || lead == 0x20 || (lead >= 0x09 && lead <= 0x0D), text.utf8.count <= 64 else { return nil }
        let bytes = Array(text.utf8)
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        var index = start
        if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        var digits = 0
        var points = 0
        while index < end, (bytes[index] >= 0x30 && bytes[index] <= 0x39) || bytes[index] == UInt8(ascii: ".") {
            if bytes[index] == UInt8(ascii: ".") { points += 1 } else { digits += 1 }
            index += 1
        }
        guard digits > 0, points <= 1 else { return nil }
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            while index < end, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
            guard index > exponentStart else { return nil }
        }
        guard index == end else { return nil }
        return Double(String(decoding: bytes[start..<end], as: UTF8.self))
    }

    /// A number as SQLite writes it: whole numbers within 64 bits in decimal, others with 15 significant digits.
    static func format(_ number: Double) -> String {
        if number.isInfinite { return number < 0 ? "-Inf" : "Inf" }
        if number == number.rounded(), number.magnitude < 9.2e18 { return String(Int64(number)) }
        var text = String(format: "%.15g", number)
        if !text.contains(".") {
            if let exponent = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                text.insert(contentsOf: ".0", at: exponent)
            } else {
                text += ".0"
            }
        }
        return text
    }
}
