import Foundation
import Payments
import Platform

/// What banks and payers send: VietQR payloads, signed confirmations, CSV statements.
enum PaymentTargets {
    static let vietQR: FuzzTargets.Harness = { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        check(text)
        // Mutations rarely keep the checksum right; also try the input with a correct CRC so the fields behind it are reached.
        let body = String(text.utf8.dropLast(4)) ?? ""
        check(body + String(format: "%04X", VietQR.crc16(Array(body.utf8))))
    }

    static func check(_ text: String) {
        guard let qr = try? VietQR.decode(text) else { return }
        // The encoder is stricter than the decoder (it writes only what NAPAS readers take, and shortens texts), so
        // it may refuse; but what it writes must decode to the same money: bank, account, service and amount.
        guard let payload = try? qr.payload() else { return }
        guard let again = try? VietQR.decode(payload) else {
            FuzzCheck.require(false, "an encoded payload is refused by the decoder: \(payload)")
            return
        }
        FuzzCheck.require(again.bankBIN == qr.bankBIN && again.accountNumber == qr.accountNumber && again.service == qr.service
                          && again.amount == qr.amount, "re-encoding changed who is paid or how much")
    }

    static let bankConfirmation: FuzzTargets.Harness = { bytes in
        if case .valid(let confirmation) = BankConfirmations.parse(Data(bytes)) {
            FuzzCheck.require(VND.isPayable(confirmation.amount), "accepted amount \(confirmation.amount)")
        }
    }

    /// The demo city's calendar (statement days without a time start at its midnight).
    static let calendar: WorkCalendar? = try? CityProfile.demo().calendar

    static let statementCSV: FuzzTargets.Harness = { bytes in
        guard let calendar else { return }
        let parsed = BankStatement.parse(String(decoding: bytes, as: UTF8.self), in: calendar)
        for line in parsed.lines { FuzzCheck.require(line.line >= 1, "line number \(line.line)") }
    }
}
