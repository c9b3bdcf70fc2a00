import CompressNIO
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A public GET a module lets the platform keep (its manifest's `publicCaching`): the path, and the event-type
/// prefixes whose events change what it shows (`field-report` for the report map and list).
public struct CacheablePath: Sendable, Equatable {
    public let path: String
    public let topics: [String]

    public init(_ path: String, changedBy topics: [String]) {
        self.path = path
        self.topics = topics
    }
}

/// How many events of each kind one database has had written through this process: a cached answer is current while
/// the counts of its topics have not moved. `PlatformDatabase.write` makes its counter current for the body it runs,
/// and `EventLog.append` bumps it, so every change a module makes is seen with no module knowing the cache.
public final class ChangeTopics: Sendable {
    @TaskLocal static var current: ChangeTopics?
    private let counts = Mutex<[Substring: UInt64]>([:])

    /// Counts the event under each of its dotted prefixes: `public-services.procedure.published` moves
    /// `public-services`, `public-services.procedure` and the full type.
    func bump(_ eventType: String) {
        let dots = eventType.indices.filter { eventType[$0] == "." }
        let topics = dots.map { eventType[..<$0] } + [Substring(eventType)]
        counts.withLock { counts in for topic in topics { counts[topic, default: 0] &+= 1 } }
    }

    public init() {}

    func snapshot(_ topics: [String]) -> [UInt64] {
        counts.withLock { counts in topics.map { counts[Substring($0)] ?? 0 } }
    }
}

/// Public pages and API reads answered from memory when nobody is signed in: a typhoon morning sends the whole city to
/// the same map and lists. An answer is kept until an event of its topics is written (at least `floor` seconds even
/// then, so a flood of new reports does not empty the cache as fast as it fills), and `ceiling` seconds at most
/// (other instances' writes are not counted here). Answers carry an ETag (`If-None-Match` gets a 304) and, when the
/// client accepts it, come gzip-compressed once. Signed-in requests, answers that set a cookie and anything but a 200
/// are never kept.
public struct PublicResponseCache: RouterMiddleware {
    public typealias Context = HuesRequestContext
    let paths: [String: [String]]
    let changes: ChangeTopics
    let store: Store
    static var floor: TimeInterval { 2 }
    static var ceiling: TimeInterval { 60 }

    public init(_ cacheable: [CacheablePath], changes: ChangeTopics) {
        self.paths = Dictionary(cacheable.map { ($0.path, $0.topics) }, uniquingKeysWith: { $0 + $1 })
        self.changes = changes
        self.store = Store()
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get, let topics = paths[request.uri.path], context.principal == nil, request.headers[.authorization] == nil,
              !(request.headers[.cookie] ?? "").contains("hues_session=")
        else { return try await next(request, context) }
        let key = "\(context.language)|\(request.uri.path)?\(request.uri.query ?? "")"
        let now = Date()
        let generations = changes.snapshot(topics)
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
            self.etag = "\"" + SHA256.hash(data: Data(buffer: body)).prefix(12).hexString + "\""
            self.generations = generations
            self.madeAt = moment
        }

        func isCurrent(_ now: [UInt64], at moment: Date) -> Bool {
            let age = moment.timeIntervalSince(madeAt)
            return age < PublicResponseCache.floor || (now == generations && age < PublicResponseCache.ceiling)
        }

        func response(to request: Request) -> Response {
            var headers = self.headers
            headers[.eTag] = etag
            // A proxy may keep it as briefly as we do; browsers revalidate with the ETag.
            headers[.cacheControl] = "public, max-age=\(Int(PublicResponseCache.floor)), must-revalidate"
            headers[.vary] = "Accept-Encoding, Accept-Language, Cookie, Authorization"
            if let asked = request.headers[.ifNoneMatch], asked.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
                return Response(status: .notModified, headers: headers)
            }
            if let gzipped, Self.acceptsGzip(request.headers[.acceptEncoding]) {
                headers[.contentEncoding] = "gzip"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzipped))
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }

        static func acceptsGzip(_ header: String?) -> Bool {
            guard let header else { return false }
            return header.split(separator: ",").contains { part in
                let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                return fields.first == "gzip" && !fields.dropFirst().contains("q=0")
            }
        }
    }

    /// Gathers a handler's answer (our handlers answer with one buffer; streamed bodies are gathered all the same).
    final class BodyCollector: ResponseBodyWriter, Sendable {
        let buffer = Mutex(ByteBuffer())
        func write(_ buffer: ByteBuffer) async throws { self.buffer.withLock { _ = $0.writeImmutableBuffer(buffer) } }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    /// Bounded: a crawler walking every page number cannot grow it without end.
    final class Store: Sendable {
        static var capacity: Int { 2_048 }
        static var largest: Int { 4 * 1024 * 1024 }
        private let entries = Mutex<[String: Entry]>([:])

        func entry(_ key: String) -> Entry? { entries.withLock { $0[key] } }

        func keep(_ key: String, _ entry: Entry) {
            entries.withLock { entries in
                if entries.count >= Self.capacity {
                    let now = Date()
                    entries = entries.filter { now.timeIntervalSince($0.value.madeAt) < PublicResponseCache.ceiling }
                    if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
                }
                entries[key] = entry
            }
        }
    }
}
