import Documents
import Foundation
import QRCode

/// Form 01 (Circular 03/2025): the receipt and appointment slip as a PDF, with a QR code that opens the public
/// lookup for this dossier, so the applicant can follow it from their phone.
struct ReceiptSlip {
    let view: DossierView
    let receivingUnit: String
    let competentUnit: String
    let lookupURL: String
    let localTime: (Date) -> String

    func pdf() throws -> [UInt8] {
        var document = try PDFDocument.withSystemFonts(title: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả \(view.code)", author: receivingUnit)
        let left = 56.0, right = PDFDocument.a4.width - 56
        var y = PDFDocument.a4.height - 64
        document.text(receivingUnit.uppercased(), x: left, y: y, size: 10, weight: .bold)
        let nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
        document.text(nation, x: right - document.width(of: nation, size: 10, weight: .bold), y: y, size: 10, weight: .bold)
        y -= 14
        let motto = "Độc lập - Tự do - Hạnh phúc"
        document.text(motto, x: right - document.width(of: motto, size: 10) - 28, y: y, size: 10)
        y -= 44
        let title = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
        document.text(title, x: (PDFDocument.a4.width - document.width(of: title, size: 14, weight: .bold)) / 2, y: y, size: 14, weight: .bold)
        y -= 18
        let codeLine = "Mã hồ sơ: \(view.code)"
        document.text(codeLine, x: (PDFDocument.a4.width - document.width(of: codeLine, size: 11)) / 2, y: y, size: 11)
        y -= 32
        var lines = ["\(receivingUnit) tiếp nhận hồ sơ của: \(view.applicant.name)"]
        if let phone = view.applicant.phone { lines.append("Số điện thoại: \(phone)") }
        if let address = view.applicant.address { lines.append("Địa chỉ: \(address)") }
        lines.append("Nội dung yêu cầu giải quyết: \(view.procedure.name)")
        lines.append("Cơ quan giải quyết: \(competentUnit)")
        for line in lines { y = document.paragraph(line, x: left, y: y, width: right - left) - 2 }
        y -= 6
        document.text("Thành phần hồ sơ:", x: left, y: y, weight: .bold)
        y -= 16
        if view.attachments.isEmpty { y = document.paragraph("(nộp bản giấy tại quầy)", x: left + 14, y: y, width: right - left - 14) }
        for (index, file) in view.attachments.enumerated() {
            y = document.paragraph("\(index + 1). \(file.document): \(file.fileName)", x: left + 14, y: y, width: right - left - 14)
        }
        y -= 6
        if let received = view.receivedAt { y = document.paragraph("Thời gian nhận hồ sơ: \(localTime(received))", x: left, y: y, width: right - left) }
        if let promised = view.promisedAt {
            y = document.paragraph("Thời gian trả kết quả: \(localTime(promised))", x: left, y: y, width: right - left, weight: .bold)
        }
        if view.fee > 0 { y = document.paragraph("Phí, lệ phí: \(view.fee) đồng", x: left, y: y, width: right - left) }
        y -= 10
        let qr = try QRCode(text: lookupURL, level: .medium)
        document.qrCode(qr, x: left, y: y - 110, side: 110)
        document.paragraph("Quét mã để tra cứu tình trạng hồ sơ, hoặc mở \(lookupURL)", x: left + 124, y: y - 40, width: right - left - 124, size: 10)
        return try document.write()
    }
}
