/// Names already read in one event, to refuse one given twice: compared by hash, confirmed byte for byte, a plain
/// list while small (most events have a few dozen) and with a hash set beside it once large, so a hostile line of
/// thousands of names costs linear time, not quadratic.
struct ECSNameSet: Sendable {
    private var hashes: [UInt64] = []
    private var names: [SigmaRange] = []
    private var bytes: [UInt8] = []
    private var seen: Set<UInt64>? = nil
    static let listLimit = 32

    var count: Int { hashes.count }

    mutating func clear() {
        hashes.removeAll(keepingCapacity: true)
        names.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        seen = nil
    }

    /// Adds the name; false when it is there already.
    mutating func insert(_ name: [UInt8], hash: UInt64) -> Bool {
        if seen?.contains(hash) ?? true {
            for index in hashes.indices where hashes[index] == hash && bytes[names[index].range].elementsEqual(name) {
                return false
            }
        }
        hashes.append(hash)
        names.append(SigmaRange(start: Int32(bytes.count), count: Int32(name.count)))
        bytes.append(contentsOf: name)
        if seen != nil {
            seen?.insert(hash)
        } else if hashes.count > Self.listLimit {
            seen = Set(hashes)
        }
        return true
    }
}
