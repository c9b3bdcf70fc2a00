/// A request path as the router matches it: empty segments (`//`, a trailing `/`) are dropped, so limits and the
/// public cache look up the route the request will reach, not a spelling of it that misses their rules.
public enum CanonicalPath {
    public static func of(_ path: String) -> Substring {
        guard path.contains("//") || (path.count > 1 && path.hasSuffix("/")) else { return Substring(path) }
        return Substring("/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/"))
    }
}
