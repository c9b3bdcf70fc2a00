import Platform
import SQLKit

/// `q` as a SQL condition over the stored entity documents (`ngsi_entities.body`: JSON text on SQLite, JSONB on
/// PostgreSQL), with the same meaning as `NGSIQuery.matches`: a value compares only with a literal of its kind, text
/// byte by byte. Every name and value from the query is a bound parameter; what is spliced into the SQL as a literal
/// is a declared numeric index's type and path (`EntityNumberIndex`), from the configuration, never from the request.
struct NGSIQuerySQL {
    let postgres: Bool
    /// The city's numeric indexes, and the one type the query asks for (an index is per type).
    var numbers = EntityNumberIndex()
    var type: String? = nil

    func condition(_ query: NGSIQuery) -> SQLQueryString {
        switch query {
        case .all(let parts): return "(" + parts.map(condition).joined(separator: " AND ") + ")"
        case .any(let parts): return "(" + parts.map(condition).joined(separator: " OR ") + ")"
        case .term(let term):
            if let indexed = numberIndexed(term) ?? indexed(term) { return indexed }
            // An attribute holds a `value` (properties) or an `object` (relationships), never both.
            let base = [term.path.attribute] + term.path.subAttributes
            return "(" + condition(term, at: base + ["value"] + term.path.keys) + " OR " + condition(term, at: base + ["object"] + term.path.keys) + ")"
        }
    }

    /// SQLite: equality of a whole attribute with short texts, answered from `ngsi_text_values` (`EntityTextIndex`).
    private func indexed(_ term: NGSIQuery.Term) -> SQLQueryString? {
        guard !postgres, term.comparison == .equal, term.path.subAttributes.isEmpty, term.path.keys.isEmpty else { return nil }
        let literals: [NGSIQuery.Literal]
        switch term.operand {
        case .one(let literal)?: literals = [literal]
        case .list(let list)?: literals = list
        default: return nil
        }
        var texts: [String] = []
        for literal in literals {
            guard case .text(let text) = literal, EntityTextIndex.mayAnswer(text) else { return nil }
            texts.append(text)
        }
        return "(id IN (SELECT entity_id FROM ngsi_text_values WHERE attribute = \(bind: term.path.attribute) AND value IN (\(binds: texts))))"
    }

    /// A comparison that every match must pass (a term of the top-level `;`) answered by a declared numeric index, as
    /// SQL: the database can read the matches from the index. Under `|` the index narrows nothing on its own.
    func indexedConjunct(_ query: NGSIQuery) -> SQLQueryString? {
        switch query {
        case .all(let parts):
            return parts.lazy.compactMap { part -> SQLQueryString? in
                guard case .term(let term) = part else { return nil }
                return numberIndexed(term, narrowing: true)
            }.first
        case .any: return nil
        case .term(let term): return numberIndexed(term, narrowing: true)
        }
    }

    /// A number compared with a declared numeric attribute (`EntityNumberIndex`): the index's own expression, which is
    /// NULL unless the entity is of the index's type and the `value` a number (a relationship's `object` never is),
    /// so it means what the scan means for the one type the query names.
    /// `narrowing`: for a banded index, only the bands that can hold a match, read from the index alone (no document
    /// is checked): what `EntityQuery` counts to choose its way, which may hold a few more than the matches.
    private func numberIndexed(_ term: NGSIQuery.Term, narrowing: Bool = false) -> SQLQueryString? {
        guard term.path.subAttributes.isEmpty, term.path.keys.isEmpty, let operand = term.operand,
              let index = numbers.covering(type: type, attribute: term.path.attribute) else { return nil }
        let number = EntityNumberIndex.value(index, postgres: postgres)
        let comparison: SQLQueryString
        switch (term.comparison, operand) {
        case (.greater, .one(.number(let value))): comparison = number + " > \(bind: value)"
        case (.greaterOrEqual, .one(.number(let value))): comparison = number + " >= \(bind: value)"
        case (.less, .one(.number(let value))): comparison = number + " < \(bind: value)"
        case (.lessOrEqual, .one(.number(let value))): comparison = number + " <= \(bind: value)"
        case (.equal, .one(.number(let value))): comparison = number + " = \(bind: value)"
        case (.equal, .range(.number(let low), .number(let high))): comparison = number + " BETWEEN \(bind: low) AND \(bind: high)"
        case (.equal, .list(let literals)):
            var values: [Double] = []
            for literal in literals {
                guard case .number(let value) = literal else { return nil }
                values.append(value)
            }
            comparison = number + " IN (\(binds: values))"
        default: return nil
        }
        guard let width = index.band else { return "(" + comparison + ")" }
        return banded(term.comparison, operand, comparison: narrowing ? nil : "(" + comparison + ")", index: index, width: width)
    }

    /// A comparison through a banded index: the bands that can hold a match, read from the index. Truncation keeps
    /// order, so a number above `x` has a band at least `x`'s, and a band above `x`'s holds only numbers above `x`:
    /// those entries match without their documents, and only the band `x` itself falls in is checked against the
    /// number (`comparison`). The comparison stays in every branch, so the answer is the scan's whatever the bands.
    private func banded(_ kind: NGSIQuery.Comparison, _ operand: NGSIQuery.Operand, comparison: SQLQueryString?, index: SensorNumberIndex,
                        width: Double) -> SQLQueryString? {
        let key = EntityNumberIndex.expression(index, postgres: postgres)
        func band(_ value: Double) -> SQLQueryString { EntityNumberIndex.band("\(bind: value)", width: width, postgres: postgres) }
        // The bands, and within the edge band(s) the comparison itself.
        let (bands, exact): (SQLQueryString, SQLQueryString?)
        switch (kind, operand) {
        case (.greater, .one(.number(let value))), (.greaterOrEqual, .one(.number(let value))):
            (bands, exact) = (key + " >= " + band(value), comparison.map { "(" + key + " > " + band(value) + " OR " + $0 + ")" })
        case (.less, .one(.number(let value))), (.lessOrEqual, .one(.number(let value))):
            (bands, exact) = (key + " <= " + band(value), comparison.map { "(" + key + " < " + band(value) + " OR " + $0 + ")" })
        case (.equal, .one(.number(let value))): (bands, exact) = (key + " = " + band(value), comparison)
        case (.equal, .range(.number(let low), .number(let high))):
            let inner: SQLQueryString = "(" + key + " > " + band(low) + " AND " + key + " < " + band(high) + ")"
            (bands, exact) = (key + " BETWEEN " + band(low) + " AND " + band(high), comparison.map { "(" + inner + " OR " + $0 + ")" })
        case (.equal, .list(let literals)):
            var each: [SQLQueryString] = []
            for literal in literals {
                guard case .number(let value) = literal else { return nil }
                each.append(band(value))
            }
            (bands, exact) = (key + " IN (" + each.joined(separator: ", ") + ")", comparison)
        default: return nil
        }
        return "(" + bands + (exact.map { " AND " + $0 } ?? "") + ")"
    }

    private func condition(_ term: NGSIQuery.Term, at path: [String]) -> SQLQueryString {
        switch (term.comparison, term.operand) {
        case (.exists, _): return exists(path)
        case (.equal, let operand?): return equal(path, operand)
        case (.unequal, let operand?): return "(" + exists(path) + " AND NOT " + equal(path, operand) + ")"
        case (.greater, .one(let literal)?): return compare(path, ">", literal)
        case (.greaterOrEqual, .one(let literal)?): return compare(path, ">=", literal)
        case (.less, .one(let literal)?): return compare(path, "<", literal)
        case (.lessOrEqual, .one(let literal)?): return compare(path, "<=", literal)
        default: return "(1 = 0)"
        }
    }

    private func equal(_ path: [String], _ operand: NGSIQuery.Operand) -> SQLQueryString {
        switch operand {
        case .one(let literal): return compare(path, "=", literal)
        case .list(let literals): return "(" + literals.map { compare(path, "=", $0) }.joined(separator: " OR ") + ")"
        case .range(let low, let high): return "(" + compare(path, ">=", low) + " AND " + compare(path, "<=", high) + ")"
        }
    }

    private func exists(_ path: [String]) -> SQLQueryString {
        postgres ? "(" + value(path) + " IS NOT NULL)" : "(json_type(body, \(bind: sqlitePath(path))) IS NOT NULL)"
    }

    /// `operation` is one of `= > >= < <=`, from this file only.
    private func compare(_ path: [String], _ operation: String, _ literal: NGSIQuery.Literal) -> SQLQueryString {
        switch (literal, postgres) {
        case (.bool(let flag), false):
            return operation == "=" ? "(json_type(body, \(bind: sqlitePath(path))) = \(literal: flag ? "true" : "false"))" : "(1 = 0)"
        case (.bool(let flag), true):
            return operation == "=" ? "(" + value(path) + " = \(literal: flag ? "true" : "false")::jsonb)" : "(1 = 0)"
        case (.number(let number), false):
            let at = sqlitePath(path)
            return "(json_type(body, \(bind: at)) IN ('integer', 'real') AND json_extract(body, \(bind: at)) \(unsafeRaw: operation) \(bind: number))"
        case (.text(let text), false):
            let at = sqlitePath(path)
            return "(json_type(body, \(bind: at)) = 'text' AND json_extract(body, \(bind: at)) \(unsafeRaw: operation) \(bind: text))"
        case (.number(let number), true):
            return "(CASE WHEN jsonb_typeof(" + value(path) + ") = 'number' THEN (" + value(path)
                + " #>> '{}')::float8 \(unsafeRaw: operation) \(bind: number) ELSE false END)"
        case (.text(let text), true):
            return "(CASE WHEN jsonb_typeof(" + value(path) + ") = 'string' THEN (" + value(path)
                + " #>> '{}') COLLATE \"C\" \(unsafeRaw: operation) \(bind: text) ELSE false END)"
        }
    }

    /// PostgreSQL: the JSONB at `path` (SQL NULL when a step is missing).
    private func value(_ path: [String]) -> SQLQueryString {
        "jsonb_extract_path(body, " + path.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ") + ")"
    }

    /// SQLite: the JSON path `$."a"."value"`; names cannot hold `"` (`NGSINames`), so quoting each step is enough.
    private func sqlitePath(_ path: [String]) -> String {
        "$" + path.map { ".\"\($0)\"" }.joined()
    }
}

