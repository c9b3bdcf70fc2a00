import Foundation
import Platform

// Hand-written: no EXIF reader exists among the Swift packages in the mirror; fuzzed by `fuzz/run exif`.
/// Reads the two EXIF fields the platform uses (GPS position and orientation) from a TIFF-structured EXIF block.
/// Anything malformed reads as absent: a photo with broken EXIF is still a photo.
package struct ExifReader {
    let bytes: [UInt8]
    let littleEndian: Bool
    let valid: Bool

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) {
            littleEndian = true; valid = true
        } else if bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            littleEndian = false; valid = true
        } else {
            littleEndian = true; valid = false
        }
    }

    private func u16(_ at: Int) -> UInt16? {
        guard at >= 0, at + 2 <= bytes.count else { return nil }
        return littleEndian ? UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 : UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
    }

    private func u32(_ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        let b = bytes[at..<at + 4].map(UInt32.init)
        return littleEndian ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
    }

    /// The entries of the IFD at `offset`: tag → offset of the entry.
    private func entries(at offset: Int) -> [UInt16: Int] {
        guard let count = u16(offset), count < 1000 else { return [:] }
        var result: [UInt16: Int] = [:]
        for index in 0..<Int(count) {
            let entry = offset + 2 + index * 12
            guard let tag = u16(entry) else { break }
            result[tag] = entry
        }
        return result
    }

    private var ifd0: [UInt16: Int] { valid ? entries(at: Int(u32(4) ?? 0)) : [:] }

    package var orientation: UInt16? {
        guard let entry = ifd0[0x0112], let value = u16(entry + 8), (1...8).contains(value) else { return nil }
        return value
    }

    package var location: GeoPoint? {
        guard let pointer = ifd0[0x8825], let gpsOffset = u32(pointer + 8) else { return nil }
        let gps = entries(at: Int(gpsOffset))
        func reference(_ tag: UInt16) -> UInt8? { gps[tag].flatMap { $0 + 8 < bytes.count ? bytes[$0 + 8] : nil } }
        func degrees(_ tag: UInt16) -> Double? {
            guard let entry = gps[tag], let count = u32(entry + 4), count == 3, let offset = u32(entry + 8) else { return nil }
            var parts: [Double] = []
            for index in 0..<3 {
                guard let numerator = u32(Int(offset) + index * 8), let denominator = u32(Int(offset) + index * 8 + 4), denominator != 0
                else { return nil }
                parts.append(Double(numerator) / Double(denominator))
            }
            return parts[0] + parts[1] / 60 + parts[2] / 3600
        }
        guard var latitude = degrees(2), var longitude = degrees(4) else { return nil }
        if reference(1) == UInt8(ascii: "S") { latitude = -latitude }
        if reference(3) == UInt8(ascii: "W") { longitude = -longitude }
        let point = GeoPoint(latitude: latitude, longitude: longitude)
        return point.isValid && !(latitude == 0 && longitude == 0) ? point : nil
    }

    /// A minimal APP1 EXIF segment holding only the orientation.
    static func orientationSegment(_ orientation: UInt16) -> [UInt8] {
        var tiff: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8]  // big-endian, IFD0 at 8
        tiff += [0, 1]  // one entry
        tiff += [0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0, 0]
        tiff += [0, 0, 0, 0]  // no next IFD
        let body = Array("Exif\0\0".utf8) + tiff
        let length = body.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + body
    }
}
