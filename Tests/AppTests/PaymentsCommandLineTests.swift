import Foundation
import HuesTestSupport
import Platform
import Testing

extension CommandLineTests {
    @Test func paymentsFromTheCommandLine() async throws {
        try await TestDatabase.using { test in
            let environment = cliEnvironment(test)
            for command in [["payments", "reconcile"], ["payments", "trial-balance"], ["payments", "decode-qr"], ["payments", "simulate-bank"]] {
                #expect(try await hues(command + ["--help"], environment: [:]).output.contains("USAGE"), "\(command)")
            }
            let decoded = try await hues(["payments", "decode-qr", "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN62150811Chuyen tien6304BBB8"],
                                   environment: [:])
            #expect(decoded.status == 0 && decoded.output.contains("bank BIN 970416, account 257678859") && decoded.output.contains("amount 1000 VND"))
            let broken = try await hues(["payments", "decode-qr", "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN62150811Chuyen tien6304BBB9"],
                                  environment: [:])
            #expect(broken.status == 65 && broken.output.contains("CRC"))

            // The demo pays two invoices through the demo bank and refunds part of one: the books balance.
            #expect(try await hues(["demo"], environment: environment).status == 0)
            let books = try await hues(["payments", "trial-balance"], environment: environment)
            #expect(books.status == 0 && books.output.contains("total 0, unbalanced transactions 0, running balances agree"), "\(books.output)")

            // A statement with a stranger's transfer and a broken line: both reported, exit status 1.
            let file = (test.folder as NSString).appendingPathComponent("statement.csv")
            try "transaction_id,booked_at,amount,description\nFT-STRANGER,2026-11-29,75000,chuyen tien\nnot,a,line\n".write(toFile: file, atomically: true, encoding: .utf8)
            let reconciled = try await hues(["payments", "reconcile", file], environment: environment)
            #expect(reconciled.status == 1, "\(reconciled.output)")
            #expect(reconciled.output.contains("line 2: FT-STRANGER 75000: not in the ledger"))
            #expect(reconciled.output.contains("line 3: malformed"))
            #expect(try await hues(["payments", "reconcile", "/no/such/file.csv"], environment: environment).status == 65)
        }
    }
}
