import HTTPTypes
import Synchronization

/// What a route is for, which decides how a refusal looks: JSON problems for the API, a redirect to the login
/// page for pages.
public enum RouteKind: String, Sendable {
    case api
    case page
    case system
}

/// One declared route: the method, the path template and who may call it.
public struct RouteDeclaration: Sendable, Hashable {
    public var method: HTTPRequest.Method
    public var path: String
    public var access: Access
    public var kind: RouteKind
    public var summary: String

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method.rawValue)
        hasher.combine(path)
    }

    public static func == (lhs: RouteDeclaration, rhs: RouteDeclaration) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path
    }
}

/// Every route the application serves, with its access rule. The authorisation test matrix iterates this list;
/// the 405 handling uses it to tell "wrong method" from "no such address".
public final class RouteCatalog: Sendable {
    private let declarations = Mutex<[RouteDeclaration]>([])

    public init() {}

    public var all: [RouteDeclaration] { declarations.withLock { $0 } }

    func add(_ declaration: RouteDeclaration) {
        declarations.withLock { list in
            precondition(!list.contains(declaration), "route \(declaration.method) \(declaration.path) declared twice")
            list.append(declaration)
        }
    }

    /// Methods declared for a concrete request path (used to answer 405 with an Allow header).
    public func methods(matching path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return all.filter { Self.matches(template: $0.path, segments: segments) }.map(\.method.rawValue).sorted()
    }

    static func matches(template: String, segments: [Substring]) -> Bool {
        let parts = template.split(separator: "/", omittingEmptySubsequences: true)
        if parts.last == "**" { return segments.count >= parts.count - 1 && zip(parts.dropLast(), segments).allSatisfy(segmentMatches) }
        return parts.count == segments.count && zip(parts, segments).allSatisfy(segmentMatches)
    }

    private static func segmentMatches(_ pair: (Substring, Substring)) -> Bool {
        pair.0.hasPrefix(":") || pair.0 == "*" || pair.0 == pair.1
    }
}
