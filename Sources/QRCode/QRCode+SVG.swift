extension QRCode {
    /// An SVG drawing: one path of unit squares on a white background, with the standard 4-module quiet zone.
    /// Scales cleanly to any size because the viewBox counts modules, not pixels.
    public func svg(quietZone: Int = 4, pixelsPerModule: Int = 8) -> String {
        let side = size + 2 * quietZone
        var path = ""
        for y in 0..<size {
            for x in 0..<size where self[x, y] { path += "M\(x + quietZone) \(y + quietZone)h1v1h-1z" }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" width="\(side * pixelsPerModule)" \
            height="\(side * pixelsPerModule)" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/>\
            <path fill="#000" d="\(path)"/></svg>
            """
    }

    /// An 8-bit greyscale PNG, `pixelsPerModule` pixels per module, with the quiet zone.
    public func png(quietZone: Int = 4, pixelsPerModule: Int = 8) -> [UInt8] {
        let side = (size + 2 * quietZone) * pixelsPerModule
        var rows: [UInt8] = []
        rows.reserveCapacity(side * (side + 1))
        for pixelY in 0..<side {
            rows.append(0)  // filter type: none
            let y = pixelY / pixelsPerModule - quietZone
            for pixelX in 0..<side {
                let x = pixelX / pixelsPerModule - quietZone
                let isDark = x >= 0 && y >= 0 && x < size && y < size && self[x, y]
                rows.append(isDark ? 0 : 255)
            }
        }
        return PNGImage.greyscale(width: side, height: side, scanlines: rows)
    }
}
