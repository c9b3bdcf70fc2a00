import Platform

/// `q` applied to an entity in memory: what subscriptions check on every write, and the reference the SQL
/// translation (`NGSIQuerySQL`) is tested against. Values compare only with values of their own kind (a number
/// with a number, text with text, byte by byte as the databases do); anything else is no match.
extension NGSIQuery {
    public func matches(_ entity: NGSIEntity) -> Bool {
        switch self {
        case .all(let parts): parts.allSatisfy { $0.matches(entity) }
        case .any(let parts): parts.contains { $0.matches(entity) }
        case .term(let term): term.matches(entity)
        }
    }
}

extension NGSIQuery.Term {
    func matches(_ entity: NGSIEntity) -> Bool {
        guard let value = path.resolve(in: entity) else { return false }
        switch comparison {
        case .exists: return true
        case .equal: return operandMatches(value)
        case .unequal: return !operandMatches(value)
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            guard case .one(let literal) = operand, let order = NGSIQuery.order(value, literal) else { return false }
            switch comparison {
            case .greater: return order > 0
            case .greaterOrEqual: return order >= 0
            case .less: return order < 0
            default: return order <= 0
            }
        }
    }

    private func operandMatches(_ value: JSONValue) -> Bool {
        switch operand {
        case .one(let literal): return NGSIQuery.equal(value, literal)
        case .list(let literals): return literals.contains { NGSIQuery.equal(value, $0) }
        case .range(let low, let high):
            guard let above = NGSIQuery.order(value, low), let below = NGSIQuery.order(value, high) else { return false }
            return above >= 0 && below <= 0
        case nil: return false
        }
    }
}

extension NGSIQuery.Path {
    /// The value the path names: the attribute's (or sub-attribute's) `value`, or a relationship's `object`, then
    /// the keys inside it. Nil when any step is missing.
    func resolve(in entity: NGSIEntity) -> JSONValue? {
        guard var attribute = entity.attributes[attribute]?.object else { return nil }
        for name in subAttributes {
            guard let inner = attribute[name]?.object else { return nil }
            attribute = inner
        }
        guard var value = attribute["value"] ?? attribute["object"] else { return nil }
        for key in keys {
            guard let inner = value.object?[key] else { return nil }
            value = inner
        }
        return value
    }
}

extension NGSIQuery {
    /// -1, 0 or 1 for a number or text of the literal's kind; nil when the kinds differ, and for booleans (which
    /// have no order).
    static func order(_ value: JSONValue, _ literal: Literal) -> Int? {
        switch (value, literal) {
        case (.number(let left), .number(let right)):
            return left < right ? -1 : (left > right ? 1 : 0)
        case (.string(let left), .text(let right)):
            let (a, b) = (Array(left.utf8), Array(right.utf8))
            return a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
        default:
            return nil
        }
    }

    static func equal(_ value: JSONValue, _ literal: Literal) -> Bool {
        if case .bool(let left) = value, case .bool(let right) = literal { return left == right }
        return order(value, literal) == 0
    }
}
