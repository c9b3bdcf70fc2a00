import FluentKit
import Foundation
import Platform
import SQLKit

/// Dossier codes in the national format `V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`: the receiving unit's national
/// identifier, the receipt date and a four-digit sequence within that unit and day (Circular 01/2018 Art. 19).
enum DossierCode {
    static func next(unitNationalCode: String, on day: CivilDate, db: any Database) async throws -> String {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let yymmdd = String(format: "%02d%02d%02d", day.year % 100, day.month, day.day)
        let key = "\(unitNationalCode)-\(yymmdd)"
        // One statement takes the next number, so two filings at once never share one, on SQLite or PostgreSQL.
        let row = try await sql.raw("""
            INSERT INTO dossier_sequences (unit_day, last) VALUES (\(bind: key), 1)
            ON CONFLICT (unit_day) DO UPDATE SET last = dossier_sequences.last + 1 RETURNING last
            """).first()
        guard let number = try row?.decode(column: "last", as: Int.self) else { throw Problem.internal() }
        guard number <= 9999 else {
            throw Problem(status: .serviceUnavailable, type: "daily-limit", title: "Daily limit reached",
                          detail: "This unit has received 9,999 dossiers today, the most a dossier code can number.")
        }
        return "\(key)-\(String(format: "%04d", number))"
    }

    /// Whether `text` has the shape of a dossier code (for lookups, before touching the database).
    static func isWellFormed(_ text: String) -> Bool {
        text.range(of: #"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}-[0-9]{6}-[0-9]{4}$"#, options: .regularExpression) != nil
    }
}
