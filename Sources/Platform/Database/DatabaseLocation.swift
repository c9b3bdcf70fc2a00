import Foundation

/// Where the platform keeps its data: an embedded SQLite file (the default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case sqliteInMemory
    case postgres(url: String)

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ raw: String) throws -> DatabaseLocation {
        if raw == "sqlite::memory:" || raw == "sqlite://:memory:" { return .sqliteInMemory }
        if raw.hasPrefix("sqlite:") {
            var path = String(raw.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw ParseError(description: "sqlite URL needs a file path, e.g. sqlite:/var/lib/hues/hues.sqlite") }
            return .sqlite(path: path)
        }
        if raw.hasPrefix("postgres://") || raw.hasPrefix("postgresql://") {
            guard let url = URL(string: raw), url.host != nil else {
                throw ParseError(description: "is not a valid postgres:// URL (it is not repeated here: it may hold a password)")
            }
            guard url.path.count > 1 else {
                throw ParseError(description: "postgres URL needs a database name, e.g. postgres://hues:secret@localhost:5432/hues")
            }
            return .postgres(url: raw)
        }
        throw ParseError(description: "is neither sqlite:PATH nor postgres://… (it is not repeated here: it may hold a password)")
    }

    /// For logs and `config check`: never prints a password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .sqliteInMemory: return "sqlite::memory:"
        case .postgres(let url):
            guard var components = URLComponents(string: url) else { return "postgres://…" }
            if components.password != nil { components.password = "***" }
            return components.string ?? "postgres://…"
        }
    }
}
