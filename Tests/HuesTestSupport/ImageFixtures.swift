import Foundation

/// Small image files built byte by byte, with the metadata real phones write, so the cleaner is tested on what it
/// will meet without shipping binary fixtures.
public enum ImageFixtures {
    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }

    /// A big-endian TIFF block with IFD0 (orientation, camera owner, GPS pointer) and a GPS IFD.
    public static func exif(latitude: Double, longitude: Double, orientation: Int = 6, owner: String = "Nguyen Thi Hoa") -> [UInt8] {
        func dms(_ value: Double) -> [Int] {
            let degrees = Int(value), minutesFull = (value - Double(degrees)) * 60, minutes = Int(minutesFull)
            let seconds = Int(((minutesFull - Double(minutes)) * 60 * 1000).rounded())
            return [degrees, 1, minutes, 1, seconds, 1000]
        }
        let ownerBytes = Array(owner.utf8) + [0]
        // Layout: header(8) | IFD0 at 8: 3 entries (2+36+4=42) → 50 | owner text | GPS IFD | rationals
        let ownerOffset = 50
        let gpsOffset = ownerOffset + ownerBytes.count
        let gpsSize = 2 + 4 * 12 + 4
        let latOffset = gpsOffset + gpsSize
        let lonOffset = latOffset + 24
        var t: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A] + be32(8)
        t += be16(3)
        t += be16(0x0112) + be16(3) + be32(1) + be16(orientation) + [0, 0]
        t += be16(0xA430) + be16(2) + be32(ownerBytes.count) + be32(ownerOffset)
        t += be16(0x8825) + be16(4) + be32(1) + be32(gpsOffset)
        t += be32(0)
        t += ownerBytes
        t += be16(4)
        t += be16(1) + be16(2) + be32(2) + [UInt8(ascii: latitude >= 0 ? "N" : "S"), 0, 0, 0]
        t += be16(2) + be16(5) + be32(3) + be32(latOffset)
        t += be16(3) + be16(2) + be32(2) + [UInt8(ascii: longitude >= 0 ? "E" : "W"), 0, 0, 0]
        t += be16(4) + be16(5) + be32(3) + be32(lonOffset)
        t += be32(0)
        for part in dms(abs(latitude)) + dms(abs(longitude)) { t += be32(part) }
        return t
    }

    static func segment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] { [0xFF, marker] + be16(body.count + 2) + body }

    /// A JPEG's structure (SOI, JFIF, EXIF with GPS, XMP, a comment, SOF0, SOS, entropy bytes, EOI).
    public static func jpeg(width: Int = 640, height: Int = 480, latitude: Double? = 16.4637, longitude: Double? = 107.5909, orientation: Int = 6) -> Data {
        var b: [UInt8] = [0xFF, 0xD8]
        b += segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0])
        if let latitude, let longitude {
            b += segment(0xE1, Array("Exif\0\0".utf8) + exif(latitude: latitude, longitude: longitude, orientation: orientation))
        }
        b += segment(0xE1, Array("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Creator: Nguyen Thi Hoa</x:xmpmeta>".utf8))
        b += segment(0xFE, Array("Taken by Nguyen Thi Hoa, 0905123456".utf8))
        b += segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
        b += segment(0xC0, [8] + be16(height) + be16(width) + [1, 1, 0x11, 0])
        b += segment(0xDA, [1, 1, 0, 0, 63, 0])
        b += [0x12, 0x34, 0xFF, 0x00, 0x56, 0x78]
        b += [0xFF, 0xD9]
        return Data(b)
    }

    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        be32(data.count) + Array(type.utf8) + data + [0, 0, 0, 0]  // the cleaner does not check CRCs
    }

    public static func png(width: Int = 32, height: Int = 16) -> Data {
        var b: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        b += pngChunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0])
        b += pngChunk("tEXt", Array("Author\0Nguyen Thi Hoa".utf8))
        b += pngChunk("eXIf", exif(latitude: 16.47, longitude: 107.58))
        b += pngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
        b += pngChunk("tIME", [0x07, 0xEA, 11, 29, 8, 0, 0])
        b += pngChunk("IEND", [])
        return Data(b)
    }

    static func webpChunk(_ fourCC: String, _ data: [UInt8]) -> [UInt8] {
        Array(fourCC.utf8) + le32(data.count) + data + (data.count % 2 == 1 ? [0] : [])
    }

    public static func webp(width: Int = 300, height: Int = 200) -> Data {
        var chunks: [UInt8] = []
        let w = width - 1, h = height - 1
        chunks += webpChunk("VP8X", [0x0C, 0, 0, 0, UInt8(w & 0xFF), UInt8(w >> 8 & 0xFF), UInt8(w >> 16 & 0xFF),
                                     UInt8(h & 0xFF), UInt8(h >> 8 & 0xFF), UInt8(h >> 16 & 0xFF)])
        chunks += webpChunk("VP8L", [0x2F, 0, 0, 0, 0, 0x01])
        chunks += webpChunk("EXIF", exif(latitude: 16.45, longitude: 107.60))
        chunks += webpChunk("XMP ", Array("<x:xmpmeta>Nguyen Thi Hoa</x:xmpmeta>".utf8))
        return Data(Array("RIFF".utf8) + le32(chunks.count + 4) + Array("WEBP".utf8) + chunks)
    }
}
