import Foundation

/// A plain-text email in UTF-8 (Vietnamese needs it): encoded-word headers (RFC 2047) and a base64 body, so every
/// line stays 7-bit and short whatever the relay.
struct EmailMessage: Sendable {
    var fromName: String
    var fromAddress: String
    var toName: String?
    var toAddress: String
    var subject: String
    var body: String
    var date = Date()
    var messageID = "<\(UUID().uuidString.lowercased())@hues>"

    func rendered() -> String {
        var lines = [
            "From: \(Self.encodeWord(fromName)) <\(fromAddress)>",
            "To: " + (toName.map { "\(Self.encodeWord($0)) <\(toAddress)>" } ?? "<\(toAddress)>"),
            "Subject: \(Self.encodeWord(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        let encoded = Data(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8).base64EncodedString()
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines.joined(separator: "\r\n")
    }

    /// `=?UTF-8?B?…?=` words of at most 45 bytes of text each (75 characters encoded), split on character boundaries.
    static func encodeWord(_ text: String) -> String {
        // Plain text only when it cannot end the header or the address around it: printable ASCII, no specials
        // (RFC 5322 §3.2.3); anything else goes out base64-encoded, where no byte of it can.
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F && !"=?<>()[]:;@\\,\"".unicodeScalars.contains($0) }) { return text }
        var words: [String] = []
        var chunk = ""
        for character in text {
            if (chunk + String(character)).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
