import Foundation
@testable import Payments
import Testing

struct VietQRTests {
    /// The worked example from the vietnam-qr-pay README, recomputed in the domain note.
    static let example = "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN62150811Chuyen tien6304BBB8"

    @Test func theCRCIsCCITTFalse() {
        #expect(VietQR.crc16(Array("123456789".utf8)) == 0x29B1)
    }

    @Test func theWorkedExampleRoundTripsExactly() throws {
        let decoded = try VietQR.decode(Self.example)
        #expect(decoded == VietQR(bankBIN: "970416", accountNumber: "257678859", service: .account, amount: 1000, purpose: "Chuyen tien"))
        #expect(try decoded.payload() == Self.example)
        let staticQR = VietQR(bankBIN: "970416", accountNumber: "257678859")
        let payload = try staticQR.payload()
        #expect(payload.hasSuffix("6304AE9F"))
        #expect(try VietQR.decode(payload).amount == nil)
    }

    @Test func vietnameseTextBecomesASCIIAndLongPurposesAreCut() throws {
        let qr = VietQR(bankBIN: "970436", accountNumber: "0161001234567", amount: 25_000, purpose: "Nộp lệ phí hộ tịch cho con đường Đống Đa",
                        merchantName: "UBND phường Phú Xuân")
        let payload = try qr.payload()
        #expect(payload.allSatisfy { $0.isASCII })
        let decoded = try VietQR.decode(payload)
        #expect(decoded.purpose == "Nop le phi ho tich cho co")
        #expect(decoded.purpose?.count == 25)
        #expect(decoded.merchantName == "UBND phuong Phu Xuan")
    }

    @Test func brokenPayloadsAreRefusedWithTheReason() throws {
        func reason(_ payload: String) -> String? {
            do { _ = try VietQR.decode(payload); return nil } catch let error as VietQR.FormatError { return error.message } catch { return "\(error)" }
        }
        // One changed digit of the amount: the CRC no longer matches.
        #expect(reason(Self.example.replacingOccurrences(of: "540410005802", with: "540490005802"))?.contains("CRC") == true)
        #expect(reason(String(Self.example.dropLast(4)) + "bbb8") == nil)  // hex case does not matter
        #expect(reason("hello")?.contains("CRC") == true)
        // A length that runs past the end, with a valid CRC over it.
        let overrun = "000201010212389900"
        #expect(reason(overrun + "6304" + VietQR.crcHex(overrun + "6304"))?.contains("past the end") == true)
        // A VNPay (tag 26) code is not a NAPAS VietQR.
        let vnpay = "0002010102112620" + "0010A000000775" + "0102AB" + "5303704" + "5802VN" + "6304"
        #expect(reason(vnpay + VietQR.crcHex(vnpay))?.contains("38") == true)
        #expect(throws: VietQR.FormatError.self) { try VietQR(bankBIN: "97041", accountNumber: "1").payload() }
        #expect(throws: VietQR.FormatError.self) { try VietQR(bankBIN: "970416", accountNumber: "1", amount: 0).payload() }
        #expect(throws: VietQR.FormatError.self) { try VietQR(bankBIN: "970416", accountNumber: "1", amount: -5).payload() }
    }

    @Test func intentReferencesAreFoundInWhateverTheBankPrints() {
        let reference = PaymentReference.intent()
        #expect(reference.count == 12)
        #expect(PaymentReference.intentReference(in: "MBVCB.123 \(reference.lowercased()) HD7K3Q9ZX2 chuyen tien") == reference)
        #expect(PaymentReference.intentReference(in: "chuyen tien hoc phi") == nil)
    }
}
