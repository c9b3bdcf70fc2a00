import Foundation

/// A NAPAS VietQR payload: EMVCo merchant-presented QR with the beneficiary's bank (BIN) and account in tag 38.
///
/// Every field is ID (2 digits) + length (2 digits) + value; the CRC-16/CCITT-FALSE over everything before it,
/// "6304" included, comes last. Values are ASCII only: napas decoders compute the CRC over ASCII and reject
/// anything else, so names and purposes lose their diacritics here rather than in a bank's app.
public struct VietQR: Sendable, Equatable {
    public enum Service: String, Sendable {
        case account = "QRIBFTTA"
        case card = "QRIBFTTC"
    }

    public static let napasGUID = "A000000727"

    public var bankBIN: String
    public var accountNumber: String
    public var service: Service
    /// Whole VND; nil makes a static QR that the payer fills in.
    public var amount: Int?
    /// Tag 62.08, at most 25 characters: how the bank statement names the transfer.
    public var purpose: String?
    public var merchantName: String?
    public var merchantCity: String?

    public init(bankBIN: String, accountNumber: String, service: Service = .account, amount: Int? = nil, purpose: String? = nil,
                merchantName: String? = nil, merchantCity: String? = nil) {
        self.bankBIN = bankBIN
        self.accountNumber = accountNumber
        self.service = service
        self.amount = amount
        self.purpose = purpose
        self.merchantName = merchantName
        self.merchantCity = merchantCity
    }

    public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    /// The payload string, CRC last. Refuses values a NAPAS decoder would refuse.
    public func payload() throws -> String {
        guard bankBIN.count == 6, bankBIN.allSatisfy(\.isASCIIDigit) else { throw FormatError("the bank BIN is 6 digits") }
        guard (1...19).contains(accountNumber.count), accountNumber.allSatisfy({ $0.isASCIIDigit || ($0.isASCII && $0.isLetter) }) else {
            throw FormatError("the account number is 1 to 19 letters or digits")
        }
        if let amount, amount <= 0 || String(amount).count > 13 { throw FormatError("the amount is a whole number of VND, 1 to 13 digits") }
        let beneficiary = Self.field("00", bankBIN) + Self.field("01", accountNumber)
        var text = Self.field("00", "01") + Self.field("01", amount == nil ? "11" : "12")
        text += Self.field("38", Self.field("00", Self.napasGUID) + Self.field("01", beneficiary) + Self.field("02", service.rawValue))
        text += Self.field("53", "704")
        if let amount { text += Self.field("54", String(amount)) }
        text += Self.field("58", "VN")
        if let name = merchantName.map({ Self.ascii($0, limit: 25) }), !name.isEmpty { text += Self.field("59", name) }
        if let city = merchantCity.map({ Self.ascii($0, limit: 15) }), !city.isEmpty { text += Self.field("60", city) }
        if let purpose = purpose.map({ Self.ascii($0, limit: 25) }), !purpose.isEmpty { text += Self.field("62", Self.field("08", purpose)) }
        text += "6304"
        return text + Self.crcHex(text)
    }

    /// Parses and checks a payload: structure, CRC, the NAPAS GUID and the fields a transfer needs.
    public static func decode(_ payload: String) throws -> VietQR {
        guard payload.allSatisfy(\.isASCII) else { throw FormatError("a VietQR payload is ASCII only") }
        guard payload.count >= 8, payload.dropLast(4).hasSuffix("6304") else { throw FormatError("the CRC field (63) must come last") }
        let expected = crcHex(String(payload.dropLast(4)))
        guard payload.suffix(4).uppercased() == expected else { throw FormatError("the CRC is \(payload.suffix(4)), expected \(expected)") }
        let root = try fields(payload)
        guard root["00"] == "01" else { throw FormatError("the payload format indicator (00) must be 01") }
        guard let method = root["01"], method == "11" || method == "12" else { throw FormatError("the initiation method (01) must be 11 or 12") }
        guard let merchant = root["38"] else { throw FormatError("there is no VietQR merchant account (38)") }
        let account = try fields(merchant)
        guard account["00"] == napasGUID else { throw FormatError("the merchant account is not NAPAS (38.00 must be \(napasGUID))") }
        guard let beneficiaryField = account["01"] else { throw FormatError("there is no beneficiary (38.01)") }
        let beneficiary = try fields(beneficiaryField)
        guard let bin = beneficiary["00"], bin.count == 6, bin.allSatisfy(\.isASCIIDigit) else { throw FormatError("the bank BIN (38.01.00) is 6 digits") }
        guard let number = beneficiary["01"], (1...19).contains(number.count) else { throw FormatError("the account (38.01.01) is 1 to 19 characters") }
        guard let service = account["02"].flatMap(Service.init(rawValue:)) else { throw FormatError("the service (38.02) must be QRIBFTTA or QRIBFTTC") }
        guard root["53"] == "704" else { throw FormatError("the currency (53) must be 704, VND") }
        var amount: Int?
        if let text = root["54"] {
            guard let value = Int(text), value > 0, text.allSatisfy(\.isASCIIDigit) else { throw FormatError("the amount (54) is a whole number of VND") }
            amount = value
        }
        if method == "12", amount == nil { throw FormatError("a dynamic QR (01 = 12) carries an amount (54)") }
        let additional = try root["62"].map(fields) ?? [:]
        return VietQR(bankBIN: bin, accountNumber: number, service: service, amount: amount, purpose: additional["08"],
                      merchantName: root["59"], merchantCity: root["60"])
    }

    /// Splits ID/length/value fields; refuses overruns, non-numeric lengths and repeated IDs.
    static func fields(_ text: String) throws -> [String: String] {
        let bytes = Array(text.utf8)
        var result: [String: String] = [:]
        var index = 0
        while index < bytes.count {
            guard index + 4 <= bytes.count, let id = String(bytes: bytes[index..<index + 2], encoding: .ascii), id.allSatisfy(\.isASCIIDigit),
                  let lengthText = String(bytes: bytes[index + 2..<index + 4], encoding: .ascii), let length = Int(lengthText),
                  lengthText.allSatisfy(\.isASCIIDigit)
            else { throw FormatError("a field header at position \(index) is not two 2-digit numbers") }
            let start = index + 4
            guard start + length <= bytes.count else { throw FormatError("field \(id) runs past the end of the payload") }
            guard result[id] == nil else { throw FormatError("field \(id) appears twice") }
            result[id] = String(decoding: bytes[start..<start + length], as: UTF8.self)
            index = start + length
        }
        return result
    }

    static func field(_ id: String, _ value: String) -> String {
        id + (value.utf8.count < 10 ? "0" : "") + String(value.utf8.count) + value
    }

    /// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }

    static func crcHex(_ text: String) -> String {
        let value = crc16(text.utf8)
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// Vietnamese text as ASCII: diacritics removed, đ → d, anything else outside printable ASCII dropped.
    public static func ascii(_ text: String, limit: Int) -> String {
        let folded = text.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        let printable = folded.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }
        return String(String.UnicodeScalarView(printable)).prefix(limit).trimmingCharacters(in: .whitespaces)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
