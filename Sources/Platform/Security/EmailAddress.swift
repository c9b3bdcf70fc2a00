/// Email addresses as the platform accepts them: the RFC 5321 mailbox subset that real providers hand out.
///
/// Addresses end up in SMTP commands (`RCPT TO:<…>`) and message headers, so anything that could end a line or a
/// bracket (CR, LF, `<`, `>`, quotes, spaces, control bytes) is refused at the edge, not escaped later.
public enum EmailAddress {
    /// Characters of an unquoted local part (RFC 5322 `atext`), plus `.` between them.
    private static let localCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".utf8)

    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")), bytes.firstIndex(of: UInt8(ascii: "@")) == at else { return false }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        return isValidLocal(local) && isValidDomain(domain)
    }

    private static func isValidLocal(_ local: ArraySlice<UInt8>) -> Bool {
        guard (1...64).contains(local.count), local.first != UInt8(ascii: "."), local.last != UInt8(ascii: ".") else { return false }
        var previousDot = false
        for byte in local {
            let dot = byte == UInt8(ascii: ".")
            if dot && previousDot { return false }
            if !dot && !localCharacters.contains(byte) { return false }
            previousDot = dot
        }
        return true
    }

    /// Letters, digits and hyphens in dot-separated labels of 1–63 characters, at least two labels.
    private static func isValidDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        guard (3...253).contains(domain.count) else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != UInt8(ascii: "-") && label.last != UInt8(ascii: "-")
                && label.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "-") }
        }
    }
}
