import Crypto
import Foundation
import Hummingbird
import Platform

/// Leaflet and its marker-cluster plugin, served by the platform itself from the system's copy (Debian's
/// libjs-leaflet and libjs-leaflet.markercluster) under `/vendor/leaflet/`: no page depends on a CDN. Only the files
/// the maps use are read, once, at start; without them the maps fall back to the plain SVG map.
public struct VendorAssets: Sendable {
    /// The files the maps need, relative to the library folder.
    static let files = ["leaflet.min.js", "leaflet.css", "leaflet.markercluster.min.js", "MarkerCluster.css", "MarkerCluster.Default.css",
                        "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png", "images/layers.png",
                        "images/layers-2x.png"]
    private let assets: [String: (data: Data, contentType: String, etag: String)]

    /// Reads the library; an empty set when the folder or any required file is missing (logged by the caller).
    public init(folder: String) {
        var assets: [String: (data: Data, contentType: String, etag: String)] = [:]
        for name in Self.files {
            guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)) else {
                self.assets = [:]
                return
            }
            let etag = "\"" + SHA256.hash(data: data).prefix(8).hexString + "\""
            assets[name] = (data, StaticAssets.contentType(for: (name as NSString).pathExtension), etag)
        }
        self.assets = assets
    }

    public var isAvailable: Bool { !assets.isEmpty }

    /// Every file's path, for the service worker to keep.
    public var paths: [String] { assets.keys.sorted().map { "/vendor/leaflet/" + $0 } }

    public func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/vendor/leaflet/**", access: .everyone, kind: .system, summary: "Leaflet, served from the system's copy") { request, _ in
            let name = String(request.uri.path.dropFirst("/vendor/leaflet/".count))
            guard let asset = assets[name] else { throw Problem.notFound() }
            if request.headers[.ifNoneMatch] == asset.etag {
                return Response(status: .notModified, headers: [.eTag: asset.etag, .cacheControl: "public, max-age=86400"])
            }
            return Response(status: .ok, headers: [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=86400"],
                            body: .init(byteBuffer: ByteBuffer(bytes: asset.data)))
        }
    }
}
