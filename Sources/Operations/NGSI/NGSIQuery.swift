/// An NGSI-LD query (`q`, ETSI GS CIM 009 §4.9): terms over attribute values joined by `;` (and) and `|` (or),
/// with parentheses; `;` binds tighter than `|`.
public indirect enum NGSIQuery: Sendable, Equatable {
    case all([NGSIQuery])
    case any([NGSIQuery])
    case term(Term)

    /// `attribute`, `attribute.subAttribute`, `attribute[key][key]`: where a term looks in an entity.
    public struct Path: Sendable, Equatable, CustomStringConvertible {
        public var attribute: String
        public var subAttributes: [String]
        public var keys: [String]

        public var description: String {
            ([attribute] + subAttributes).joined(separator: ".") + keys.map { "[\($0)]" }.joined()
        }
    }

    public enum Comparison: String, Sendable {
        case exists = ""
        case equal = "=="
        case unequal = "!="
        case greater = ">"
        case greaterOrEqual = ">="
        case less = "<"
        case lessOrEqual = "<="
    }

    public enum Literal: Sendable, Equatable {
        case number(Double)
        case text(String)
        case bool(Bool)
    }

    public enum Operand: Sendable, Equatable {
        case one(Literal)
        case list([Literal])
        case range(Literal, Literal)
    }

    public struct Term: Sendable, Equatable {
        public var path: Path
        public var comparison: Comparison
        public var operand: Operand?
    }

    /// The attributes a query reads, for `watchedAttributes` checks and for telling a client a query is too broad.
    public var attributes: Set<String> {
        switch self {
        case .all(let parts), .any(let parts): parts.reduce(into: Set<String>()) { $0.formUnion($1.attributes) }
        case .term(let term): [term.path.attribute]
        }
    }
}
