/// Reads the `q` text of a request into an `NGSIQuery`, within limits on length, terms and nesting, so no query
/// can make the broker recurse or allocate without bound. Pattern operators (`~=`, `!~=`) are refused: a regular
/// expression from outside, run over every entity, is a denial of service waiting to happen.
public struct NGSIQueryParser {
    public static let maximumLength = 2048
    public static let maximumTerms = 32
    public static let maximumDepth = 8
    public static let maximumListLength = 100

    let bytes: [UInt8]
    var index = 0
    private var terms = 0

    public static func parse(_ text: String) throws(NGSIError) -> NGSIQuery {
        guard text.utf8.count <= maximumLength else { throw NGSIError(.tooComplexQuery, "q is longer than \(maximumLength) bytes.") }
        var parser = NGSIQueryParser(bytes: Array(text.utf8))
        let query = try parser.disjunction(depth: 0)
        guard parser.index == parser.bytes.count else { throw parser.failure("unexpected '\(parser.peekText)'") }
        return query
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
    private var peekText: String { String(decoding: bytes[index..<min(bytes.count, index + 12)], as: UTF8.self) }

    func failure(_ reason: String) -> NGSIError {
        NGSIError(.invalidRequest, "q is not a valid NGSI-LD query at byte \(index + 1): \(reason).")
    }

    private mutating func disjunction(depth: Int) throws(NGSIError) -> NGSIQuery {
        var parts = [try conjunction(depth: depth)]
        while peek == UInt8(ascii: "|") {
            index += 1
            parts.append(try conjunction(depth: depth))
        }
        return parts.count == 1 ? parts[0] : .any(parts)
    }

    private mutating func conjunction(depth: Int) throws(NGSIError) -> NGSIQuery {
        var parts = [try factor(depth: depth)]
        while peek == UInt8(ascii: ";") {
            index += 1
            parts.append(try factor(depth: depth))
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    private mutating func factor(depth: Int) throws(NGSIError) -> NGSIQuery {
        if peek == UInt8(ascii: "(") {
            guard depth < Self.maximumDepth else { throw NGSIError(.tooComplexQuery, "q nests parentheses deeper than \(Self.maximumDepth).") }
            index += 1
            let inner = try disjunction(depth: depth + 1)
            guard peek == UInt8(ascii: ")") else { throw failure("a '(' is not closed") }
            index += 1
            return inner
        }
        terms += 1
        guard terms <= Self.maximumTerms else { throw NGSIError(.tooComplexQuery, "q has more than \(Self.maximumTerms) terms.") }
        return .term(try term())
    }

    private mutating func term() throws(NGSIError) -> NGSIQuery.Term {
        let path = try self.path()
        guard let comparison = try comparison() else { return NGSIQuery.Term(path: path, comparison: .exists, operand: nil) }
        let first = try literal()
        var operand = NGSIQuery.Operand.one(first)
        if comparison == .equal || comparison == .unequal {
            if starts(with: "..") {
                index += 2
                operand = .range(first, try literal())
            } else if peek == UInt8(ascii: ",") {
                var list = [first]
                while peek == UInt8(ascii: ",") {
                    index += 1
                    list.append(try literal())
                    guard list.count <= Self.maximumListLength else { throw NGSIError(.tooComplexQuery, "a list in q has more than \(Self.maximumListLength) values.") }
                }
                operand = .list(list)
            }
        }
        return NGSIQuery.Term(path: path, comparison: comparison, operand: operand)
    }

    func starts(with text: String) -> Bool {
        let needle = Array(text.utf8)
        return index + needle.count <= bytes.count && Array(bytes[index..<(index + needle.count)]) == needle
    }

    private mutating func path() throws(NGSIError) -> NGSIQuery.Path {
        var names = [try name()]
        while peek == UInt8(ascii: "."), !starts(with: "..") {
            index += 1
            names.append(try name())
        }
        var keys: [String] = []
        while peek == UInt8(ascii: "[") {
            index += 1
            keys.append(try name())
            guard peek == UInt8(ascii: "]") else { throw failure("a '[' is not closed") }
            index += 1
        }
        guard names.count + keys.count <= 8 else { throw NGSIError(.tooComplexQuery, "an attribute path in q has more than 8 parts.") }
        return NGSIQuery.Path(attribute: names[0], subAttributes: Array(names.dropFirst()), keys: keys)
    }

    /// An attribute name in q: the characters of `NGSINames` without `.`, which separates sub-attributes here.
    private mutating func name() throws(NGSIError) -> String {
        let start = index
        while let byte = peek, Self.isNameByte(byte) { index += 1 }
        guard index > start else { throw failure("expected an attribute name") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard NGSINames.isName(text) else { throw failure("'\(NGSINames.shown(text))' is not an attribute name") }
        return text
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F || byte == 0x2D || byte == 0x3A || byte == 0x2F || byte == 0x40
    }

    private mutating func comparison() throws(NGSIError) -> NGSIQuery.Comparison? {
        for (text, comparison) in [("==", NGSIQuery.Comparison.equal), ("!=", .unequal), (">=", .greaterOrEqual), ("<=", .lessOrEqual), (">", .greater), ("<", .less)] {
            if starts(with: "!~=") || starts(with: "~=") {
                throw NGSIError(.operationNotSupported, "Pattern matching in q (~=, !~=) is not supported by this broker.")
            }
            if starts(with: text) {
                index += text.utf8.count
                return comparison
            }
        }
        guard peek == nil || peek == UInt8(ascii: ";") || peek == UInt8(ascii: "|") || peek == UInt8(ascii: ")") else {
            throw failure("expected an operator (==, !=, >, >=, <, <=)")
        }
        return nil
    }
}
