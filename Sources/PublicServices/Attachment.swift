import Crypto
import Foundation
import Platform

/// A file sent with a dossier. Its type is decided by its bytes, not by its name or the sender's word.
public struct NewAttachment: Codable, Sendable {
    /// The procedure's document code, or `supplement` / `result`.
    public var document: String
    public var fileName: String
    /// Base64 in JSON; raw bytes from a multipart form.
    public var content: Data

    public init(document: String, fileName: String, content: Data) {
        self.document = document
        self.fileName = fileName
        self.content = content
    }
}

public struct AttachmentInfo: Codable, Sendable, Equatable {
    public var id: UUID
    public var document: String
    public var fileName: String
    public var mediaType: String
    public var size: Int
    public var sha256: String
    public var uploadedAt: Date
}

package enum AttachmentRules {
    static let maxFileBytes = 10 * 1024 * 1024
    static let maxFiles = 20

    /// PDF, JPEG and PNG by their signatures.
    static func mediaType(of bytes: Data) -> String? {
        if bytes.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        return nil
    }

    package static func check(_ attachments: [NewAttachment], allowedDocuments: Set<String>) throws -> [(NewAttachment, String, String)] {
        if attachments.count > maxFiles {
            throw Problem.unprocessable([.init(field: "attachments", message: "at most \(maxFiles) files")])
        }
        var errors: [Problem.FieldError] = []
        var checked: [(NewAttachment, String, String)] = []
        for (index, attachment) in attachments.enumerated() {
            let field = "attachments[\(index)]"
            if !allowedDocuments.contains(attachment.document) {
                errors.append(.init(field: "\(field).document", message: "'\(attachment.document)' is not a document of this procedure"))
            }
            if attachment.fileName.isEmpty || attachment.fileName.count > 200 || attachment.fileName.contains("/") {
                errors.append(.init(field: "\(field).fileName", message: "must be a file name of 1–200 characters without '/'"))
            }
            if attachment.content.isEmpty { errors.append(.init(field: "\(field).content", message: "the file is empty")) }
            if attachment.content.count > maxFileBytes {
                throw Problem(status: .contentTooLarge, type: "too-large", title: "File too large",
                              detail: "\(attachment.fileName) is \(attachment.content.count) bytes; each file may be at most \(maxFileBytes) bytes.")
            }
            guard let type = mediaType(of: attachment.content) else {
                throw Problem(status: .unsupportedMediaType, type: "unsupported-file-type", title: "Unsupported file type",
                              detail: "\(attachment.fileName) is not a PDF, JPEG or PNG file (its content says otherwise, whatever its name).")
            }
            let digest = SHA256.hash(data: attachment.content).hexString
            checked.append((attachment, type, digest))
        }
        if !errors.isEmpty { throw Problem.unprocessable(errors) }
        return checked
    }
}
