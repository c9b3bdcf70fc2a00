import Platform

/// Reads one line of ECS NDJSON straight into the event a rule set matches: the same lines as `ECSLine` are
/// refused (with names that differ only in case refused too, as ingest refuses them), but no dictionary, key string
/// or value is made for fields no rule reads. The engine's path (`hues soc match`, the benchmark); ingest reads
/// lines whole with `ECSLine`, as it stores every field. One reader serves many lines and keeps its buffers, so a
/// stream of events costs no allocation per line beyond the event itself.
public struct ECSEventReader: Sendable {
    public typealias Failure = ECSLine.Failure

    private var line: [UInt8] = []
    private let table: SigmaSlotTable
    private let slotNames: [String: Int]
    private var slotCount: Int { slotNames.count }
    private var index = 0
    private var event: SigmaEvent
    /// The folded dotted name being read: `event.category` inside `{"event": {"category": …}}`.
    private var path: [UInt8] = []
    private var fields = ECSNameSet()
    /// Member names as written, each behind the number of its object (JSON refuses a name twice in one object).
    private var members = ECSNameSet()
    private var objects: UInt32 = 0
    private var scratch: [UInt8] = []

    init(table: SigmaSlotTable, slots: [String: Int]) {
        (self.table, slotNames) = (table, slots)
        event = SigmaEvent(slotCount: slots.count, capacity: 0)
    }

    private static let unicodeName = Failure(reason: "a name outside ASCII", offset: -1)

    /// Ingest's way: every field into a dictionary, names as Swift strings, then the rules' fields picked out.
    private func wholeLine(_ line: [UInt8]) throws(Failure) -> SigmaEvent {
        let fields = try ECSLine.parse(line)
        guard Set(fields.keys.map(SigmaText.foldedString)).count == fields.count else {
            throw Failure(reason: "two fields whose names differ only in case", offset: 0)
        }
        return SigmaEvent(fields: fields, slots: slotNames)
    }

    /// The line's event; the reader's buffers are reused for the next line.
    public mutating func read(_ line: [UInt8]) throws(Failure) -> SigmaEvent {
        guard line.count <= ECSLine.maximumBytes else {
            throw Failure(reason: "longer than \(ECSLine.maximumBytes) bytes", offset: ECSLine.maximumBytes)
        }
        self.line = line
        defer { self.line = [] }
        (index, objects) = (0, 0)
        event.clear(slotCount: slotCount)
        path.removeAll(keepingCapacity: true)
        fields.clear()
        members.clear()
        skipSpace()
        guard index < line.count, line[index] == UInt8(ascii: "{") else {
            // Not an object: what a JSON reader says about it first, as ECSLine says it.
            do {
                _ = try JSONParser.parse(line, maximumDepth: ECSLine.maximumDepth)
            } catch {
                throw Failure(reason: error.reason, offset: error.offset)
            }
            throw Failure(reason: "an ECS event is a JSON object", offset: 0)
        }
        do {
            try object(depth: 1, record: true)
        } catch where error == Self.unicodeName {
            return try wholeLine(line)
        }
        skipSpace()
        guard index == line.count else { throw failure("text after the document") }
        return event
    }

    private func failure(_ reason: String) -> Failure { Failure(reason: reason, offset: index) }

    private mutating func skipSpace() {
        while index < line.count, line[index] == 0x20 || line[index] == 0x0A || line[index] == 0x0D || line[index] == 0x09 { index += 1 }
    }

    /// An object's members; `record`: its leaves are fields (objects inside lists are read but dropped).
    private mutating func object(depth: Int, record: Bool) throws(Failure) {
        guard depth <= ECSLine.maximumDepth else { throw failure("nesting deeper than \(ECSLine.maximumDepth)") }
        index += 1
        objects &+= 1
        let object = objects
        skipSpace()
        if index < line.count, line[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipSpace()
            guard index < line.count, line[index] == UInt8(ascii: "\"") else { throw failure("a member name must be a string") }
            scratch.removeAll(keepingCapacity: true)
            withUnsafeBytes(of: object.littleEndian) { scratch.append(contentsOf: $0) }
            try readString()
            // Names outside ASCII are compared as Swift strings by ingest (`é` written composed or decomposed is one
            // name): such a line is read the whole way instead.
            guard !scratch.dropFirst(4).contains(where: { $0 >= 0x80 }) else { throw Self.unicodeName }
            guard members.insert(scratch, hash: SigmaValuePools.hash(scratch)) else {
                throw failure("the member \"\(String(decoding: scratch.dropFirst(4).prefix(40), as: UTF8.self))\" twice")
            }
            let mark = path.count
            path.append(contentsOf: scratch[4...])
            path.withUnsafeMutableBufferPointer { path in
                for index in mark..<path.count where path[index] >= 0x41 && path[index] <= 0x5A { path[index] |= 0x20 }
            }
            skipSpace()
            guard index < line.count, line[index] == UInt8(ascii: ":") else { throw failure("':' expected") }
            index += 1
            skipSpace()
            try member(depth: depth, record: record)
            path.removeLast(path.count - mark)
            skipSpace()
            guard index < line.count else { throw failure("the document ends early") }
            if line[index] == UInt8(ascii: ",") { index += 1; continue }
            guard line[index] == UInt8(ascii: "}") else { throw failure("',' or '}' expected") }
            index += 1
            return
        }
    }

    /// A member's value: a nested object's members under `path.`, anything else a field named `path`.
    private mutating func member(depth: Int, record: Bool) throws(Failure) {
        guard index < line.count else { throw failure("the document ends early") }
        if line[index] == UInt8(ascii: "{") {
            // As ECSLine names them: an empty name adds no dot (`{"": {"a": 1}}` is `a`).
            if !path.isEmpty { path.append(UInt8(ascii: ".")) }
            return try object(depth: depth + 1, record: record)
        }
        guard record else {
            _ = try value(depth: depth, keep: false)
            return
        }
        let hash = SigmaValuePools.hash(path)
        guard fields.count < ECSLine.maximumFields else { throw Failure(reason: "more than \(ECSLine.maximumFields) fields", offset: 0) }
        guard fields.insert(path, hash: hash) else {
            throw Failure(reason: "the field \(String(decoding: path.prefix(64), as: UTF8.self)) is given twice (in any case)", offset: 0)
        }
        let slot = table.slot(path, hash: hash)
        if let head = try value(depth: depth, keep: slot >= 0), slot >= 0 { event.slots[Int(slot)] = head }
    }

    /// A field's value (a list keeps its scalars; objects and lists inside it are read and dropped); the entry of
    /// what was kept.
    private mutating func value(depth: Int, keep: Bool) throws(Failure) -> Int32? {
        guard index < line.count else { throw failure("the document ends early") }
        switch line[index] {
        case UInt8(ascii: "["): return try list(depth: depth + 1, keep: keep)
        case UInt8(ascii: "{"):
            try object(depth: depth + 1, record: false)
            return nil
        default: return try scalar(keep: keep)
        }
    }

    private mutating func list(depth: Int, keep: Bool) throws(Failure) -> Int32? {
        guard depth <= ECSLine.maximumDepth else { throw failure("nesting deeper than \(ECSLine.maximumDepth)") }
        index += 1
        skipSpace()
        if index < line.count, line[index] == UInt8(ascii: "]") {
            index += 1
            return nil
        }
        var (first, last): (Int32?, Int32?) = (nil, nil)
        while true {
            skipSpace()
            guard index < line.count else { throw failure("the document ends early") }
            let nested = line[index] == UInt8(ascii: "[") || line[index] == UInt8(ascii: "{")
            if let head = try value(depth: depth, keep: keep && !nested) {
                if let last { event.entries[Int(last)].next = head } else { first = head }
                last = head
            }
            skipSpace()
            guard index < line.count else { throw failure("the document ends early") }
            if line[index] == UInt8(ascii: ",") { index += 1; continue }
            guard line[index] == UInt8(ascii: "]") else { throw failure("',' or ']' expected") }
            index += 1
            return first
        }
    }

    private mutating func scalar(keep: Bool) throws(Failure) -> Int32? {
        switch line[index] {
        case UInt8(ascii: "\""):
            guard keep else {
                try readString(keep: false)
                return nil
            }
            scratch.removeAll(keepingCapacity: true)
            try readString()
            // Text that reads as a number is that number, as rules see it (SigmaEvent.append).
            if let number = scratch.withUnsafeBufferPointer(SigmaText.number) { return event.append(number: number) }
            return event.appendText(scratch)
        case UInt8(ascii: "t"):
            try literal("true")
            return keep ? event.append(bool: true) : nil
        case UInt8(ascii: "f"):
            try literal("false")
            return keep ? event.append(bool: false) : nil
        case UInt8(ascii: "n"):
            try literal("null")
            return nil
        default:
            do {
                let (number, end) = try JSONParser.number(in: line, at: index)
                index = end
                return keep ? event.append(number: number) : nil
            } catch {
                throw Failure(reason: error.reason, offset: error.offset)
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= line.count else { throw failure("the document ends early") }
        for offset in 0..<count where line[index + offset] != word.utf8Start[offset] { throw failure("an unknown word") }
        index += count
    }

    /// The string at `index` (its opening quote), appended to `scratch` as UTF-8. The escapes Windows paths are full
    /// of (`\\`) are resolved here; a string with a `\u` escape is left whole to `JSONParser`.
    /// `keep: false` reads and checks the string without copying it anywhere (a value no rule reads).
    private mutating func readString(keep: Bool = true) throws(Failure) {
        let mark = scratch.count
        var at = index + 1
        var run = at
        var ascii = true
        while true {
            guard at < line.count else { throw Failure(reason: "a string is not closed", offset: at) }
            let byte = line[at]
            if byte == UInt8(ascii: "\"") { break }
            guard byte >= 0x20 else { throw Failure(reason: "a control character in a string", offset: at) }
            if byte >= 0x80 { ascii = false }
            guard byte == UInt8(ascii: "\\") else {
                at += 1
                continue
            }
            guard at + 1 < line.count else { throw Failure(reason: "a string is not closed", offset: at) }
            if keep { scratch.append(contentsOf: line[run..<at]) }
            switch line[at + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): if keep { scratch.append(line[at + 1]) }
            case UInt8(ascii: "b"): if keep { scratch.append(0x08) }
            case UInt8(ascii: "f"): if keep { scratch.append(0x0C) }
            case UInt8(ascii: "n"): if keep { scratch.append(0x0A) }
            case UInt8(ascii: "r"): if keep { scratch.append(0x0D) }
            case UInt8(ascii: "t"): if keep { scratch.append(0x09) }
            case UInt8(ascii: "u"):
                scratch.removeLast(scratch.count - mark)
                return try readEscapedString()
            default: throw Failure(reason: "an unknown escape", offset: at + 1)
            }
            at += 2
            run = at
        }
        // Escapes resolve to ASCII here, so the bytes as written are UTF-8 exactly when the text is.
        guard ascii || Self.isUTF8(line[(index + 1)..<at]) else { throw Failure(reason: "a string that is not UTF-8", offset: at) }
        if keep { scratch.append(contentsOf: line[run..<at]) }
        index = at + 1
    }

    private mutating func readEscapedString() throws(Failure) {
        do {
            let (text, after) = try JSONParser.string(in: line, at: index)
            scratch.append(contentsOf: text.utf8)
            index = after
        } catch {
            throw Failure(reason: error.reason, offset: error.offset)
        }
    }

    private static func isUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
