import Crypto
import Foundation
import Hummingbird
import Platform

/// The site's CSS, scripts and images, read once at start and served with long-lived caching and ETags.
public struct StaticAssets: Sendable {
    struct Asset: Sendable {
        let data: Data
        let contentType: String
        let etag: String
    }

    private let assets: [String: Asset]

    /// Every asset's path (`/static/…`), for the service worker to keep.
    public var paths: [String] { assets.keys.sorted().map { "/static/" + $0 } }

    /// Changes whenever any asset changes: the service worker's cache is named after it.
    public var version: String {
        SHA256.hash(data: Data(assets.keys.sorted().map { $0 + (assets[$0]?.etag ?? "") }.joined(separator: "\n").utf8)).prefix(8).hexString
    }

    /// Every module's `static/` files; two modules shipping the same name is a configuration error.
    public init(_ resources: [ModuleResources]) throws {
        var assets: [String: Asset] = [:]
        for resource in resources {
            let files = FileManager.default.enumerator(at: resource.assets, includingPropertiesForKeys: nil)
            while let url = files?.nextObject() as? URL {
                guard !url.hasDirectoryPath else { continue }
                let data = try Data(contentsOf: url)
                let name = url.path.replacingOccurrences(of: resource.assets.path + "/", with: "")
                guard assets[name] == nil else {
                    throw ConfigurationError(problems: [ConfigProblem(key: "static", message: "two modules ship the asset '\(name)'")])
                }
                let etag = "\"" + SHA256.hash(data: data).prefix(8).hexString + "\""
                assets[name] = Asset(data: data, contentType: Self.contentType(for: url.pathExtension), etag: etag)
            }
        }
        self.assets = assets
    }

    public func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/static/**", access: .everyone, kind: .system, summary: "Static assets (CSS, images)") { request, context in
            let name = String(request.uri.path.dropFirst("/static/".count))
            guard let asset = assets[name] else { throw Problem.notFound() }
            if request.headers[.ifNoneMatch] == asset.etag {
                return Response(status: .notModified, headers: [.eTag: asset.etag, .cacheControl: "public, max-age=86400"])
            }
            return Response(
                status: .ok,
                headers: [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: ByteBuffer(bytes: asset.data))
            )
        }
    }

    static func contentType(for fileExtension: String) -> String {
        switch fileExtension {
        case "css": return "text/css; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "webmanifest": return "application/manifest+json"
        case "ico": return "image/x-icon"
        case "woff2": return "font/woff2"
        default: return "application/octet-stream"
        }
    }
}
