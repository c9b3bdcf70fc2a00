import Foundation
import Logging

/// JSON kept in a text column: one way to write it and one way to read it back.
///
/// Writing uses the API's settings (sorted keys, ISO 8601 dates, no escaped slashes), so the same value always gives the
/// same bytes and a change can be detected by comparing text. Reading never turns damage into an empty value: a row
/// that does not decode is logged with its table, column and row, and the caller gets an internal problem.
public enum JSONColumn {
    /// Sorted keys, ISO 8601 dates, no escaped slashes (the same bytes for the same value, so changes can be detected).
    ///
    /// Pass `encoder` only for a column whose rows were already written with other settings (for example the default
    /// date strategy), so old and new rows keep reading the same way.
    public static func encode<T: Encodable>(_ value: T, using encoder: JSONEncoder = .api) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes a stored column; damage is logged with the table, column and row, and thrown as an internal problem.
    ///
    /// The default decoder reads dates as ISO 8601 (what `encode` writes). Pass the decoder that matches how the column
    /// was written when it was written with other settings.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, table: String, column: String, row: String,
                                            logger: Logger?, using decoder: JSONDecoder = .api) throws -> T {
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw StoredData.damaged(table: table, column: column, row: row, detail: "\(error)", logger: logger)
        }
    }
}

/// Stored values that cannot be read: logged once, with where they are, and reported as an internal problem.
public enum StoredData {
    /// Logs a damaged stored value at error level and returns the problem to throw.
    public static func damaged(table: String, column: String, row: String, detail: String, logger: Logger?) -> Problem {
        let logger = logger ?? Logger(label: "hues.database")
        logger.error("stored data cannot be read", metadata: [
            "table": .string(table), "column": .string(column), "row": .string(row), "error": .string(detail),
        ])
        return Problem.internal()
    }

    /// A stored raw value that must name a known case; an unknown one is logged and thrown, never replaced by a default.
    public static func value<E: RawRepresentable>(_ type: E.Type, from raw: E.RawValue, table: String, column: String, row: String,
                                                  logger: Logger?) throws -> E {
        guard let value = E(rawValue: raw) else {
            throw damaged(table: table, column: column, row: row, detail: "unknown \(E.self) value \(String(describing: raw))", logger: logger)
        }
        return value
    }
}
