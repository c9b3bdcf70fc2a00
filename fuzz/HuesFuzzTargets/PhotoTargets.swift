import FieldReports
import Foundation

/// Report photos: JPEG, PNG and WebP cleaned of metadata, and the EXIF block read for a location.
enum PhotoTargets {
    static let photo: FuzzTargets.Harness = { bytes in
        guard let clean = try? PhotoCleaner.clean(Data(bytes)) else { return }
        FuzzCheck.require(clean.width > 0 && clean.height > 0 && clean.width.multipliedReportingOverflow(by: clean.height).partialValue <= PhotoCleaner.maxPixels,
                          "accepted \(clean.width)×\(clean.height)")
        // What the cleaner gives back is a photo it accepts again, the same size, with nothing left to remove.
        guard let again = try? PhotoCleaner.clean(clean.bytes) else { FuzzCheck.require(false, "a cleaned photo is refused"); return }
        FuzzCheck.require(again.width == clean.width && again.height == clean.height, "size changed on a second cleaning")
        FuzzCheck.require(again.location == nil || clean.format != .webp, "a cleaned WebP still carries a location")
    }

    static let exif: FuzzTargets.Harness = { bytes in
        let reader = ExifReader(bytes)
        if let location = reader.location { FuzzCheck.require(location.isValid, "an invalid position was read: \(location)") }
        _ = reader.orientation
    }
}
