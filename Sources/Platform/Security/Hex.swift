/// Lower-case hexadecimal of bytes (digests, MACs, serials). `String(format: "%02x")` per byte went through
/// Foundation's formatter and cost a twentieth of a write's CPU; this is a table lookup.
extension Sequence<UInt8> {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var characters: [UInt8] = []
        characters.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
