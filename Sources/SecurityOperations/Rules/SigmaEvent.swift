import Foundation
import Platform

/// An event as rules read it, laid out flat so that matching fifty rules allocates nothing and counts no
/// references: every value's bytes in one buffer (numbers written canonically, as the reference's numeric columns
/// store them), the same bytes folded to ASCII lower case in a second (rules match case-insensitively; folding keeps
/// lengths, so one range serves both), and an entry per value. A JSON list is a chain of entries, any of which may
/// match (ECS fields such as `related.ip` are lists). Built once per event and shared by every rule: by a rule set,
/// in the slots it gave the fields its rules read; alone, by folded name.
public struct SigmaEvent: Sendable {
    var text: [UInt8] = []
    var folded: [UInt8] = []
    var entries: [SigmaEntry] = []
    /// Per slot, the entry holding the field's (first) value; -1 when the field is missing or null.
    var slots: [Int32] = []
    /// By folded name, for an event made without a rule set.
    var named: [String: Int32] = [:]

    /// Every field by its folded name; only those in `wanted` when given.
    public init(fields source: [String: JSONValue], wanted: Set<String>? = nil) {
        for (name, value) in source {
            let folded = SigmaText.foldedString(name)
            if let wanted, !wanted.contains(folded) { continue }
            // Two names that differ only in case: the first one read wins, as a case-insensitive store would keep one.
            guard named[folded] == nil, let head = append(value) else { continue }
            named[folded] = head
        }
    }

    /// The fields a rule set reads, in its slots.
    init(fields source: [String: JSONValue], slots table: [String: Int]) {
        slots = Array(repeating: -1, count: table.count)
        for (name, value) in source {
            guard let slot = table[name] ?? table[SigmaText.foldedString(name)], slots[slot] < 0,
                  let head = append(value) else { continue }
            slots[slot] = head
        }
    }

    /// An empty event with room for a rule set's slots, filled by a reader.
    init(slotCount: Int, capacity: Int) {
        slots = Array(repeating: -1, count: slotCount)
        text.reserveCapacity(capacity)
        folded.reserveCapacity(capacity)
    }

    /// Empty again, keeping its buffers, for a reader's next line.
    mutating func clear(slotCount: Int) {
        text.removeAll(keepingCapacity: true)
        folded.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        if slots.count == slotCount {
            for index in slots.indices { slots[index] = -1 }
        } else {
            slots = Array(repeating: -1, count: slotCount)
        }
    }

    /// The entry of a field's value: by slot when the event was made for a rule set, else by name.
    @inline(__always)
    func head(_ field: String, slot: Int) -> Int32 {
        if slot >= 0 { return slot < slots.count ? slots[slot] : -1 }
        return named[field] ?? -1
    }

    /// A field's (first) value as text, as correlations group by it.
    func value(_ field: String, slot: Int) -> String? {
        let index = head(field, slot: slot)
        guard index >= 0 else { return nil }
        let entry = entries[Int(index)]
        return String(decoding: text[Int(entry.start)..<Int(entry.start + entry.count)], as: UTF8.self)
    }

    /// Adds a value (a list as a chain of its elements); nil for what is no value: null, an object, an empty list.
    mutating func append(_ value: JSONValue) -> Int32? {
        switch value {
        case .null, .object:
            // Events are flattened to dotted names before rules see them; an object left is not a value to match.
            return nil
        case .string(let string):
            // Text that reads as a number is that number, written as the reference's numeric columns store it.
            if let number = SigmaText.number(string) { return append(number: number) }
            var string = string
            return string.withUTF8 { appendText($0, number: nil, bool: -1) }
        case .number(let number):
            return append(number: number)
        case .bool(let flag):
            return append(bool: flag)
        case .array(let items):
            var first: Int32? = nil
            var last: Int32? = nil
            for item in items {
                guard let head = append(item) else { continue }
                if let last { entries[Int(last)].next = head } else { first = head }
                var tail = head
                while entries[Int(tail)].next >= 0 { tail = entries[Int(tail)].next }
                last = tail
            }
            return first
        }
    }

    mutating func append(bool flag: Bool) -> Int32 {
        appendText(flag ? "true" : "false", bool: flag ? 1 : 0)
    }

    /// Text already unescaped and valid UTF-8.
    mutating func appendText(_ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBufferPointer { appendText($0, number: nil, bool: -1) }
    }

    mutating func append(number: Double) -> Int32 {
        appendText(SigmaText.format(number), number: number)
    }

    private mutating func appendText(_ string: String, number: Double? = nil, bool: Int8 = -1) -> Int32 {
        var string = string
        return string.withUTF8 { appendText($0, number: number, bool: bool) }
    }

    /// Adds one value's bytes as they are (already unescaped, valid UTF-8), folding them and hashing the folded
    /// bytes in the same pass (exact-text tests look the hash up instead of reading the value again).
    mutating func appendText(_ bytes: UnsafeBufferPointer<UInt8>, number: Double?, bool: Int8) -> Int32 {
        let start = text.count
        text.append(contentsOf: bytes)
        folded.append(contentsOf: bytes)
        var hash = SigmaValuePools.hashSeed
        folded.withUnsafeMutableBufferPointer { folded in
            for index in start..<folded.count {
                var byte = folded[index]
                if byte >= 0x41 && byte <= 0x5A {
                    byte |= 0x20
                    folded[index] = byte
                }
                hash = SigmaValuePools.hash(hash, byte)
            }
        }
        entries.append(SigmaEntry(start: Int32(start), count: Int32(bytes.count), hash: hash | 1, number: number ?? .nan,
                                  bool: bool, next: -1))
        return Int32(entries.count - 1)
    }
}

/// One value of an event: its bytes' range in the event's buffers, the hash of its folded bytes, the number it reads
/// as (NaN when none), whether it was a JSON boolean (-1 when not), and the next element when it is part of a list
/// (-1 at the end).
struct SigmaEntry: Sendable {
    let start: Int32
    let count: Int32
    let hash: UInt64
    let number: Double
    let bool: Int8
    var next: Int32
}
