import Foundation

/// Comma-separated files people upload (bank statements, figures exported from national registers): records a line
/// each, fields as RFC 4180 quotes them. A quoted field does not span lines here; such a line is read as it stands
/// and the importer's own checks refuse it with its number.
public enum CSVText {
    /// The non-blank lines after the first, with their numbers (1-based, as an editor shows them), and the first line's
    /// fields as the header: lower-cased and trimmed, a leading byte-order mark (what spreadsheets write) dropped.
    /// At most `limit` records are split into fields, so memory follows the limit, not the upload; `more` says
    /// whether the text goes on past them.
    public static func records(_ text: String, limit: Int) -> (header: [String], records: [(line: Int, fields: [String])], more: Bool) {
        // "\r\n" is one Character in Swift: a line ends at either.
        var rows = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })[...]
        guard let first = rows.popFirst() else { return ([], [], false) }
        let header = fields(line(first.hasPrefix("\u{FEFF}") ? first.dropFirst() : first)).map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
        var records: [(line: Int, fields: [String])] = []
        for (index, row) in zip(rows.indices, rows) where !row.trimmingCharacters(in: .whitespaces).isEmpty {
            guard records.count < limit else { return (header, records, true) }
            records.append((index + 1, fields(line(row))))
        }
        return (header, records, false)
    }

    /// A line without the carriage return of a CRLF ending.
    static func line(_ row: Substring) -> String { String(row.hasSuffix("\r") ? row.dropLast() : row) }

    /// RFC 4180 fields: quotes around a field allow commas, and "" inside quotes is a quote.
    public static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = Array(line).makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else {
                            quoted = false
                            if next == "," { fields.append(current); current = "" } else { current.append(next) }
                        }
                    } else { quoted = false }
                } else { current.append(character) }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
