import Foundation

/// A Sigma string value compiled for matching folded bytes: `*` is any run of characters, `?` exactly one, and `\`
/// escapes `*`, `?` and itself (a backslash before anything else is a backslash, as in `\cmd.exe`). The common shapes
/// (exact, prefix, suffix, contains) skip the general matcher.
struct SigmaPattern: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal([UInt8])
        case anyOne
        case anyRun
    }

    enum Shape: Sendable, Equatable {
        case exact([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case contains([UInt8])
        case everything
        case glob([Piece])
    }

    let shape: Shape

    /// `anyBefore`/`anyAfter` are the wildcards `contains`, `startswith` and `endswith` add: pieces, not text, so a
    /// value ending in a backslash (`C:\Windows\`) does not escape them.
    init(_ value: String, anyBefore: Bool = false, anyAfter: Bool = false) {
        var pieces = Self.pieces(of: SigmaText.folded(value))
        if anyBefore, pieces.first != .anyRun { pieces.insert(.anyRun, at: 0) }
        if anyAfter, pieces.last != .anyRun { pieces.append(.anyRun) }
        shape = Self.shape(of: pieces)
    }

    func matches(_ folded: UnsafeBufferPointer<UInt8>) -> Bool {
        switch shape {
        case .exact(let literal): literal.withUnsafeBufferPointer { $0.elementsEqual(folded) }
        case .prefix(let literal): literal.withUnsafeBufferPointer { Self.starts(folded, with: $0) }
        case .suffix(let literal): literal.withUnsafeBufferPointer { Self.ends(folded, with: $0) }
        case .contains(let literal): literal.withUnsafeBufferPointer { Self.find($0, in: folded) }
        case .everything: true
        case .glob(let pieces): Self.glob(pieces, folded)
        }
    }

    static func pieces(of bytes: [UInt8]) -> [Piece] {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = []
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let next = index + 1 < bytes.count ? bytes[index + 1] : nil
            switch byte {
            case UInt8(ascii: "\\") where next == UInt8(ascii: "*") || next == UInt8(ascii: "?")
                || next == UInt8(ascii: "\\"):
                literal.append(next ?? byte)
                index += 2
                continue
            case UInt8(ascii: "*"):
                flush()
                if pieces.last != .anyRun { pieces.append(.anyRun) }
            case UInt8(ascii: "?"):
                flush()
                pieces.append(.anyOne)
            default:
                literal.append(byte)
            }
            index += 1
        }
        flush()
        return pieces
    }

    private static func shape(of pieces: [Piece]) -> Shape {
        if pieces.isEmpty { return .exact([]) }
        if pieces == [.anyRun] { return .everything }
        let openStart = pieces.first == .anyRun
        let openEnd = pieces.last == .anyRun
        let inner = pieces.dropFirst(openStart ? 1 : 0).dropLast(openEnd ? 1 : 0)
        guard inner.count == 1, case .literal(let text) = inner.first else { return .glob(pieces) }
        switch (openStart, openEnd) {
        case (false, false): return .exact(text)
        case (false, true): return .prefix(text)
        case (true, false): return .suffix(text)
        case (true, true): return .contains(text)
        }
    }

    static func starts(_ folded: UnsafeBufferPointer<UInt8>, with literal: UnsafeBufferPointer<UInt8>) -> Bool {
        folded.count >= literal.count && UnsafeBufferPointer(rebasing: folded[0..<literal.count]).elementsEqual(literal)
    }

    static func ends(_ folded: UnsafeBufferPointer<UInt8>, with literal: UnsafeBufferPointer<UInt8>) -> Bool {
        folded.count >= literal.count
            && UnsafeBufferPointer(rebasing: folded[(folded.count - literal.count)...]).elementsEqual(literal)
    }

    /// Whether `needle` occurs in `hay`: memchr (vectorised by the C library) finds each place the needle's first
    /// byte occurs, and only there are the rest compared; command lines are long and most hold no needle at all.
    static func find(_ needle: UnsafeBufferPointer<UInt8>, in hay: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first else { return true }
        guard needle.count <= hay.count, let base = hay.baseAddress else { return false }
        let last = hay.count - needle.count
        var at = 0
        while at <= last {
            guard let found = memchr(base + at, Int32(first), last - at + 1) else { return false }
            at = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var offset = 1
            while offset < needle.count, hay[at + offset] == needle[offset] { offset += 1 }
            if offset == needle.count { return true }
            at += 1
        }
        return false
    }

    /// Wildcard matching that backtracks only to the last `*` (linear in practice, never exponential).
    private static func glob(_ pieces: [Piece], _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var piece = 0
        var at = 0
        var star: (piece: Int, at: Int)? = nil
        while true {
            if piece < pieces.count {
                switch pieces[piece] {
                case .anyRun:
                    star = (piece, at)
                    piece += 1
                    continue
                case .anyOne where at < text.count:
                    at = nextCharacter(after: at, in: text)
                    piece += 1
                    continue
                case .literal(let literal) where literal.withUnsafeBufferPointer({ literalAt($0, at, text) }):
                    at += literal.count
                    piece += 1
                    continue
                default:
                    break
                }
            } else if at == text.count {
                return true
            }
            guard let last = star, last.at < text.count else { return false }
            let resume = nextCharacter(after: last.at, in: text)
            star = (last.piece, resume)
            at = resume
            piece = last.piece + 1
        }
    }

    private static func literalAt(_ literal: UnsafeBufferPointer<UInt8>, _ at: Int, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard at + literal.count <= text.count else { return false }
        for offset in 0..<literal.count where text[at + offset] != literal[offset] { return false }
        return true
    }

    /// `?` and `*` step over whole UTF-8 characters, as the reference's `_` and `%` do.
    private static func nextCharacter(after at: Int, in text: UnsafeBufferPointer<UInt8>) -> Int {
        var next = at + 1
        while next < text.count, text[next] & 0xC0 == 0x80 { next += 1 }
        return next
    }
}
