/// A rule set's field slots keyed by the folded bytes of a field's dotted name, so a reader walking an event's bytes
/// finds a field's slot (or learns no rule reads it) without making a string.
struct SigmaSlotTable: Sendable {
    private let hashes: [UInt64]
    private let names: [SigmaRange]
    private let slots: [Int32]
    private let bytes: [UInt8]
    private let mask: Int

    init(_ slots: [String: Int]) {
        var size = 2
        while size < slots.count * 2 { size <<= 1 }
        var hashes = [UInt64](repeating: 0, count: size)
        var names = [SigmaRange](repeating: SigmaRange(start: 0, count: 0), count: size)
        var places = [Int32](repeating: -1, count: size)
        var bytes: [UInt8] = []
        for (name, slot) in slots {
            let folded = SigmaText.folded(name)
            let hash = SigmaValuePools.hash(folded)
            var at = SigmaValuePools.place(hash) & (size - 1)
            while hashes[at] != 0 { at = (at + 1) & (size - 1) }
            hashes[at] = hash
            names[at] = SigmaRange(start: Int32(bytes.count), count: Int32(folded.count))
            places[at] = Int32(slot)
            bytes.append(contentsOf: folded)
        }
        (self.hashes, self.names, self.slots, self.bytes, mask) = (hashes, names, places, bytes, size - 1)
    }

    /// The slot of the field named by these folded bytes (whose hash is `hash`); -1 when no rule reads it.
    func slot(_ name: [UInt8], hash: UInt64) -> Int32 {
        var at = SigmaValuePools.place(hash) & mask
        while hashes[at] != 0 {
            if hashes[at] == hash, Int(names[at].count) == name.count,
               bytes[names[at].range].elementsEqual(name) {
                return slots[at]
            }
            at = (at + 1) & mask
        }
        return -1
    }
}
