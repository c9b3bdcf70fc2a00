import Foundation
import Platform

/// A photo as the public sees it: the reporter's bytes with every metadata block removed (camera, owner, time,
/// GPS), the format decided by the bytes themselves.
public struct CleanPhoto: Sendable, Equatable {
    public enum Format: String, Sendable, Codable {
        case jpeg = "image/jpeg"
        case png = "image/png"
        case webp = "image/webp"
    }

    public var format: Format
    public var bytes: Data
    public var width: Int
    public var height: Int
    /// Where the camera says the photo was taken (EXIF GPS), to suggest the report's location. Never stored with
    /// the public copy.
    public var location: GeoPoint?
}

public enum PhotoProblem: Error, Equatable, CustomStringConvertible {
    case notAnImage
    case truncated(Format: String)
    case tooLarge(bytes: Int)
    case tooManyPixels(width: Int, height: Int)
    /// The headers look right but the picture cannot be decoded.
    case unreadable
    /// Decoding took longer than any real photo does (a decompression bomb).
    case tooSlow

    public var description: String {
        switch self {
        case .notAnImage: return "is not a JPEG, PNG or WebP image (judged by its content, not its name)"
        case .truncated(let format): return "is a damaged \(format) file"
        case .tooLarge(let bytes): return "is \(bytes) bytes; a photo may be at most \(PhotoCleaner.maxBytes) bytes"
        case .tooManyPixels(let width, let height): return "is \(width)×\(height) pixels; at most \(PhotoCleaner.maxPixels / 1_000_000) megapixels"
        case .unreadable: return "cannot be read as a picture (damaged?)"
        case .tooSlow: return "took too long to read as a picture (damaged or built to overload the server?)"
        }
    }
}

/// Removes metadata without decoding the picture, so the image data is passed on bit for bit.
public enum PhotoCleaner {
    public static let maxBytes = 8 * 1024 * 1024
    public static let maxPixels = 50_000_000

    public static func format(of bytes: Data) -> CleanPhoto.Format? {
        let b = [UInt8](bytes.prefix(12))
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if b.count == 12, b[0..<4] == [0x52, 0x49, 0x46, 0x46][...], b[8..<12] == [0x57, 0x45, 0x42, 0x50][...] { return .webp }
        return nil
    }

    public static func clean(_ data: Data) throws -> CleanPhoto {
        if data.count > maxBytes { throw PhotoProblem.tooLarge(bytes: data.count) }
        guard let format = format(of: data) else { throw PhotoProblem.notAnImage }
        let bytes = [UInt8](data)
        let photo: CleanPhoto
        switch format {
        case .jpeg: photo = try cleanJPEG(bytes)
        case .png: photo = try cleanPNG(bytes)
        case .webp: photo = try cleanWebP(bytes)
        }
        if photo.width <= 0 || photo.height <= 0 { throw PhotoProblem.truncated(Format: format.rawValue) }
        // Sides come from the file (up to 2³² in PNG): multiply with a checked form, so a forged header is a refusal.
        let (pixels, overflow) = photo.width.multipliedReportingOverflow(by: photo.height)
        if overflow || pixels > maxPixels { throw PhotoProblem.tooManyPixels(width: photo.width, height: photo.height) }
        return photo
    }

    // MARK: JPEG

    /// Keeps the JFIF header, the Adobe colour marker and every segment the decoder needs; drops EXIF, XMP, ICC,
    /// comments and maker notes. Only the EXIF orientation survives, rewritten alone, so phone photos stay upright.
    static func cleanJPEG(_ b: [UInt8]) throws -> CleanPhoto {
        let damaged = PhotoProblem.truncated(Format: "JPEG")
        var out: [UInt8] = [0xFF, 0xD8]
        var i = 2
        var width = 0, height = 0
        var location: GeoPoint?
        var orientation: UInt16?
        var wroteOrientation = false
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { throw damaged }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill bytes
            if marker == 0xD9 { out += [0xFF, 0xD9]; return CleanPhoto(format: .jpeg, bytes: Data(out), width: width, height: height, location: location) }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { out += b[i..<i + 2]; i += 2; continue }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { throw damaged }
            let segment = b[i..<i + 2 + length]
            let body = Array(b[i + 4..<i + 2 + length])
            switch marker {
            case 0xE1:
                if body.starts(with: Array("Exif\0\0".utf8)) {
                    let exif = ExifReader(Array(body.dropFirst(6)))
                    location = location ?? exif.location
                    orientation = orientation ?? exif.orientation
                }
            case 0xE0 where body.starts(with: Array("JFIF\0".utf8)), 0xEE:
                out += segment
            case 0xE0...0xEF, 0xFE:
                break
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                // One frame per photo: a second frame header could declare a bigger picture than the one checked.
                guard body.count >= 5, width == 0, height == 0 else { throw damaged }
                height = Int(body[1]) << 8 | Int(body[2])
                width = Int(body[3]) << 8 | Int(body[4])
                out += segment
            case 0xDA:
                // The entropy-coded data runs to the end of image; copy it whole.
                if let orientation, orientation != 1, !wroteOrientation {
                    out.insert(contentsOf: ExifReader.orientationSegment(orientation), at: out.starts(with: [0xFF, 0xD8, 0xFF, 0xE0]) ? jfifEnd(out) : 2)
                    wroteOrientation = true
                }
                out += b[i...]
                if !(b.suffix(2) == [0xFF, 0xD9][...]) { throw damaged }
                return CleanPhoto(format: .jpeg, bytes: Data(out), width: width, height: height, location: location)
            default:
                out += segment
            }
            i += 2 + length
        }
        throw damaged
    }

    private static func jfifEnd(_ out: [UInt8]) -> Int { 4 + (Int(out[4]) << 8 | Int(out[5])) }

    // MARK: PNG

    /// Keeps the chunks that draw the picture (and its colour space); drops text, time, EXIF and private chunks.
    static func cleanPNG(_ b: [UInt8]) throws -> CleanPhoto {
        let damaged = PhotoProblem.truncated(Format: "PNG")
        let keep: Set<String> = ["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "pHYs", "bKGD", "acTL", "fcTL", "fdAT"]
        var out = Array(b[0..<8])
        var i = 8
        var width = 0, height = 0
        var location: GeoPoint?
        while i + 12 <= b.count {
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 0, i + 12 + length <= b.count else { throw damaged }
            let type = String(decoding: b[i + 4..<i + 8], as: UTF8.self)
            let data = b[i + 8..<i + 8 + length]
            // IHDR comes first and only once; a later one could declare another size than the one checked.
            if (type == "IHDR") != (i == 8) { throw damaged }
            if type == "IHDR" {
                guard length >= 8 else { throw damaged }
                let d = Array(data)
                width = Int(d[0]) << 24 | Int(d[1]) << 16 | Int(d[2]) << 8 | Int(d[3])
                height = Int(d[4]) << 24 | Int(d[5]) << 16 | Int(d[6]) << 8 | Int(d[7])
            }
            if type == "eXIf" { location = ExifReader(Array(data)).location }
            if keep.contains(type) { out += b[i..<i + 12 + length] }
            i += 12 + length
            if type == "IEND" { return CleanPhoto(format: .png, bytes: Data(out), width: width, height: height, location: location) }
        }
        throw damaged
    }

    // MARK: WebP

    /// Drops the EXIF and XMP chunks and clears their flags in the extended header.
    static func cleanWebP(_ b: [UInt8]) throws -> CleanPhoto {
        let damaged = PhotoProblem.truncated(Format: "WebP")
        var chunks: [UInt8] = []
        var i = 12
        var width = 0, height = 0
        var canvas: (width: Int, height: Int)?
        var location: GeoPoint?
        while i + 8 <= b.count {
            let fourCC = String(decoding: b[i..<i + 4], as: UTF8.self)
            let size = Int(b[i + 4]) | Int(b[i + 5]) << 8 | Int(b[i + 6]) << 16 | Int(b[i + 7]) << 24
            let padded = size + (size & 1)
            guard i + 8 + size <= b.count else { throw damaged }
            var chunk = Array(b[i..<min(i + 8 + padded, b.count)])
            let data = Array(b[i + 8..<i + 8 + size])
            switch fourCC {
            case "EXIF":
                location = ExifReader(data.starts(with: Array("Exif\0\0".utf8)) ? Array(data.dropFirst(6)) : data).location
                chunk = []
            case "XMP ":
                chunk = []
            case "VP8X" where size >= 10:
                guard canvas == nil, width == 0 else { throw damaged }
                chunk[8] &= ~UInt8(0x0C)  // EXIF and XMP present flags
                width = (Int(data[4]) | Int(data[5]) << 8 | Int(data[6]) << 16) + 1
                height = (Int(data[7]) | Int(data[8]) << 8 | Int(data[9]) << 16) + 1
                canvas = (width, height)
            case "ANIM", "ANMF":
                // A report photo is a still picture; frames would multiply the pixels a decoder has to draw.
                throw PhotoProblem.unreadable
            case "VP8 " where size >= 10, "VP8L" where size >= 5:
                let frame = fourCC == "VP8 " ? ((Int(data[6]) | Int(data[7]) << 8) & 0x3FFF, (Int(data[8]) | Int(data[9]) << 8) & 0x3FFF)
                    : Self.losslessSize(data)
                // One bitstream, no bigger than the canvas it is drawn on.
                if let canvas {
                    guard frame.0 <= canvas.width, frame.1 <= canvas.height else { throw damaged }
                } else {
                    guard width == 0 else { throw damaged }
                    (width, height) = frame
                }
            default:
                break
            }
            chunks += chunk
            i += 8 + padded
        }
        guard !chunks.isEmpty else { throw damaged }
        let riffSize = UInt32(chunks.count + 4)
        let header: [UInt8] = Array("RIFF".utf8) + [UInt8(riffSize & 0xFF), UInt8(riffSize >> 8 & 0xFF), UInt8(riffSize >> 16 & 0xFF), UInt8(riffSize >> 24)]
            + Array("WEBP".utf8)
        return CleanPhoto(format: .webp, bytes: Data(header + chunks), width: width, height: height, location: location)
    }

    /// A VP8L bitstream's picture size (14 bits each, plus one).
    private static func losslessSize(_ data: [UInt8]) -> (Int, Int) {
        let bits = UInt32(data[1]) | UInt32(data[2]) << 8 | UInt32(data[3]) << 16 | UInt32(data[4]) << 24
        return (Int(bits & 0x3FFF) + 1, Int((bits >> 14) & 0x3FFF) + 1)
    }
}
