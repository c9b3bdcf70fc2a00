import CompressNIO
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A public GET a module lets the platform keep (its manifest's `publicCaching`): the path, the query parameters its
/// answer depends on (a request with any other is answered fresh and not kept, so junk parameters cannot fill memory),
/// and the event-type prefixes whose events change what it shows (`field-report` for the report map and list).
public struct CacheablePath: Sendable, Equatable {
    public let path: String
    public let parameters: Set<String>
    public let topics: [String]

    public init(_ path: String, parameters: Set<String> = [], changedBy topics: [String]) {
        self.path = path
        self.parameters = parameters
        self.topics = topics
    }
}

/// Public pages and API reads answered from memory when nobody is signed in: a typhoon morning sends the whole city to
/// the same map and lists. An answer is kept until an event of its topics is written (at least `floor` seconds even
/// then, so a flood of new reports does not empty the cache as fast as it fills), and `ceiling` seconds at most
/// (other instances' writes arrive by PostgreSQL NOTIFY, see `ChangeBroadcast`; the ceiling bounds what a lost one costs). Answers carry an ETag (`If-None-Match` gets a 304) and, when the
/// client accepts it, come gzip-compressed once. Signed-in requests, answers that set a cookie and anything but a 200
/// are never kept.
public struct PublicResponseCache: RouterMiddleware {
    public typealias Context = HuesRequestContext
    let paths: [String: CacheablePath]
    let changes: ChangeTopics
    let store: Store
    static var floor: TimeInterval { 2 }
    static var ceiling: TimeInterval { 60 }

    public init(_ cacheable: [CacheablePath], changes: ChangeTopics) {
        self.paths = Dictionary(cacheable.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        self.changes = changes
        self.store = Store()
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get, let cacheable = paths[String(CanonicalPath.of(request.uri.path))], context.principal == nil, request.headers[.authorization] == nil,
              !(request.headers[.cookie] ?? "").contains("hues_session="), let query = Self.normalisedQuery(request, allowed: cacheable.parameters)
        else { return try await next(request, context) }
        let key = "\(context.language)|\(cacheable.path)?\(query)"
        let now = Date()
        let generations = changes.snapshot(cacheable.topics)
        if let entry = store.entry(key), entry.isCurrent(generations, at: now) { return entry.response(to: request) }
        var response = try await next(request, context)
        guard response.status == .ok, response.headers[.setCookie] == nil, response.headers[.contentEncoding] == nil else { return response }
        let collector = BodyCollector()
        try await response.body.write(collector)
        let body = collector.buffer.withLock { $0 }
        guard body.readableBytes <= Store.largest else { return Response(status: response.status, headers: response.headers, body: .init(byteBuffer: body)) }
        let entry = try Entry(body: body, headers: response.headers, generations: generations, at: now)
        store.keep(key, entry)
        response.body = .init(byteBuffer: body)
        return entry.response(to: request)
    }

    /// The query in a fixed order, or nil when it has a parameter the answer does not depend on (or too many bytes).
    static func normalisedQuery(_ request: Request, allowed: Set<String>) -> String? {
        guard let raw = request.uri.query, !raw.isEmpty else { return "" }
        guard raw.utf8.count <= 512 else { return nil }
        var pairs: [(String, String)] = []
        for (name, value) in request.uri.queryParameters {
            guard allowed.contains(String(name)) else { return nil }
            pairs.append((String(name), String(value)))
        }
        return pairs.sorted { $0 < $1 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    struct Entry: Sendable {
        let body: ByteBuffer
        let gzipped: ByteBuffer?
        let headers: HTTPFields
        let etag: String
        let generations: [UInt64]
        let madeAt: Date

        init(body: ByteBuffer, headers: HTTPFields, generations: [UInt64], at moment: Date) throws {
            self.body = body
            var copy = body
            let packed = try copy.compress(with: .gzip())
            self.gzipped = packed.readableBytes < body.readableBytes ? packed : nil
            var kept = HTTPFields()
            for name in [HTTPField.Name.contentType, .contentLanguage] { kept[name] = headers[name] }
            self.headers = kept
            self.etag = SHA256.hash(data: Data(buffer: body)).prefix(12).hexString
            self.generations = generations
            self.madeAt = moment
        }

        func isCurrent(_ now: [UInt64], at moment: Date) -> Bool {
            let age = moment.timeIntervalSince(madeAt)
            return age < PublicResponseCache.floor || (now == generations && age < PublicResponseCache.ceiling)
        }

        func response(to request: Request) -> Response {
            var headers = self.headers
            // The compressed bytes are another representation: their own (strong) tag.
            let packed = gzipped != nil && Self.acceptsGzip(request.headers[.acceptEncoding])
            let tag = "\"" + etag + (packed ? "-gz" : "") + "\""
            headers[.eTag] = tag
            // A proxy may keep it as briefly as we do; browsers revalidate with the ETag.
            headers[.cacheControl] = "public, max-age=\(Int(PublicResponseCache.floor)), must-revalidate"
            headers[.vary] = "Accept-Encoding, Accept-Language, Cookie, Authorization"
            if let asked = request.headers[.ifNoneMatch], Self.matches(asked, tag) { return Response(status: .notModified, headers: headers) }
            if packed, let gzipped {
                headers[.contentEncoding] = "gzip"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzipped))
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }

        /// `If-None-Match`: `*`, or a list of tags compared weakly (RFC 9110 §13.1.2: `W/` is ignored).
        static func matches(_ header: String, _ tag: String) -> Bool {
            header.split(separator: ",").contains { candidate in
                let trimmed = candidate.trimmingCharacters(in: .whitespaces)
                return trimmed == "*" || (trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed) == tag
            }
        }

        static func acceptsGzip(_ header: String?) -> Bool {
            guard let header else { return false }
            return header.split(separator: ",").contains { part in
                let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                let weight = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
                return fields.first == "gzip" && weight > 0
            }
        }
    }

    /// Gathers a handler's answer (our handlers answer with one buffer; streamed bodies are gathered all the same).
    final class BodyCollector: ResponseBodyWriter, Sendable {
        let buffer = Mutex(ByteBuffer())
        func write(_ buffer: ByteBuffer) async throws { self.buffer.withLock { _ = $0.writeImmutableBuffer(buffer) } }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    /// Bounded by bytes: when a new answer would pass the budget, the oldest quarter goes (never everything at
    /// once, so a crawler cannot empty it for the crowd). Answers larger than `largest` are not kept.
    final class Store: Sendable {
        static var budget: Int { 64 * 1024 * 1024 }
        static var largest: Int { 512 * 1024 }
        private let state = Mutex<(entries: [String: Entry], bytes: Int)>(([:], 0))

        func entry(_ key: String) -> Entry? { state.withLock { $0.entries[key] } }

        func keep(_ key: String, _ entry: Entry) {
            let size = entry.body.readableBytes + (entry.gzipped?.readableBytes ?? 0) + key.utf8.count
            state.withLock { state in
                if let old = state.entries.removeValue(forKey: key) { state.bytes -= old.body.readableBytes + (old.gzipped?.readableBytes ?? 0) + key.utf8.count }
                if state.bytes + size > Self.budget {
                    let oldest = state.entries.sorted { $0.value.madeAt < $1.value.madeAt }.prefix(max(1, state.entries.count / 4))
                    for (name, old) in oldest {
                        state.entries[name] = nil
                        state.bytes -= old.body.readableBytes + (old.gzipped?.readableBytes ?? 0) + name.utf8.count
                    }
                }
                state.entries[key] = entry
                state.bytes += size
            }
        }
    }
}
