import Hummingbird

/// Which slice of a list a request asks for, parsed at the edge into bounds that no arithmetic can overflow.
///
/// Every list route reads its paging through this type: `?page=9223372036854775807` is a 400 problem here, not
/// an overflow trap deep in a query builder that takes the whole city's server down.
public struct Paging: Sendable, Equatable {
    /// The deepest row any list reads; past it, a client should narrow its filters (or follow a cursor).
    public static let maxOffset = 1_000_000
    public static let maxPage = 1_000_000

    public let limit: Int
    public let offset: Int

    /// A slice checked against the bounds; callers inside the platform only (requests go through `pages`/`window`).
    public init(limit: Int, offset: Int = 0) {
        self.limit = min(max(limit, 1), 10_000)
        self.offset = min(max(offset, 0), Self.maxOffset)
    }

    /// The rows `offset ..< offset + limit`; both are bounded, so the sum cannot overflow.
    public var range: Range<Int> { offset..<(offset + limit) }

    /// The 1-based page this slice is, for `page`-style lists.
    public var page: Int { offset / limit + 1 }

    /// `?page=&page_size=` (Open311 and the field-report lists): page from 1, size from 1 to `maxSize`.
    public static func pages(_ request: Request, defaultSize: Int = 50, maxSize: Int = 500, sizeKey: String = "page_size") throws -> Paging {
        let size = try request.queryInteger(sizeKey, in: 1...maxSize) ?? defaultSize
        let page = try request.queryInteger("page", in: 1...maxPage) ?? 1
        return try pages(page: page, size: size)
    }

    /// A fixed-size page (`?page=` on the web pages).
    public static func pages(page: Int, size: Int) throws -> Paging {
        let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: size)
        guard !overflow, offset <= maxOffset else {
            throw Problem.validation([.init(field: "page", message: "is past the end of the list (at most \(maxOffset / max(size, 1) + 1))")])
        }
        return Paging(limit: size, offset: offset)
    }

    /// `?limit=&offset=`: limit from 1 to `maxLimit`, offset from 0 to `maxOffset`.
    public static func window(_ request: Request, defaultLimit: Int = 50, maxLimit: Int = 200) throws -> Paging {
        let limit = try request.queryInteger("limit", in: 1...maxLimit) ?? defaultLimit
        let offset = try request.queryInteger("offset", in: 0...maxOffset) ?? 0
        return Paging(limit: limit, offset: offset)
    }
}

/// Whole numbers from outside (query strings, form fields), checked against a range before anything uses them.
public enum BoundedInteger {
    /// The value of `text` when it is a plain decimal whole number inside `range` (an optional leading minus),
    /// otherwise nil. No exponent, no spaces, no `+`, at most 19 digits.
    public static func parse(_ text: some StringProtocol, in range: ClosedRange<Int>) -> Int? {
        let utf8 = text.utf8
        guard let first = utf8.first, utf8.count <= 20, first == UInt8(ascii: "-") || (0x30...0x39).contains(first) else { return nil }
        guard let value = Int(text), range.contains(value) else { return nil }
        return value
    }
}

extension Request {
    /// A whole-number query parameter inside `range`; absent or empty is nil, anything else is a 400 naming the field.
    public func queryInteger(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = uri.queryParameters.get(key), !text.isEmpty else { return nil }
        guard let value = BoundedInteger.parse(text, in: range) else {
            throw Problem.validation([.init(field: key, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")])
        }
        return value
    }

    /// A decimal query parameter inside `range` (coordinates, radii); NaN, infinity and exponents beyond it are a 400.
    public func queryNumber(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = uri.queryParameters.get(key), !text.isEmpty else { return nil }
        guard text.utf8.count <= 32, let value = Double(text), value.isFinite, range.contains(value) else {
            throw Problem.validation([.init(field: key, message: "must be a number from \(range.lowerBound) to \(range.upperBound)")])
        }
        return value
    }
}
