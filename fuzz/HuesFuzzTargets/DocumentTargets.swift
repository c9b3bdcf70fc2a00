import Foundation
import Signatures

/// PDFs and CMS signatures: what anyone can upload to the public verification page, and what officers sign.
enum DocumentTargets {
    /// Reading the signatures a PDF carries, then verifying the last one as the verification page does.
    static let pdfSignature: FuzzTargets.Harness = { bytes in
        let pdf = [UInt8]("%PDF-".utf8) + bytes
        guard let found = try? PDFSignature.embedded(in: pdf), let last = found.last else { return }
        for signature in found {
            for range in signature.coveredRanges { FuzzCheck.require(range.lowerBound >= 0 && range.upperBound <= pdf.count, "range \(range) outside the file") }
        }
        let covered = last.covered(in: pdf)
        FuzzTargets.verify(signature: last.cms, content: covered)
    }

    /// The structure read before signing: trailer, cross-references, the field and the page to sign on.
    static let pdfStructure: FuzzTargets.Harness = { bytes in
        guard let structure = try? PDFStructure([UInt8]("%PDF-".utf8) + bytes) else { return }
        _ = try? structure.emptySignatureField()
        _ = structure.firstPage()
    }

    /// A detached CMS signature over a fixed document.
    static let cms: FuzzTargets.Harness = { bytes in
        FuzzTargets.verify(signature: bytes, content: Array("hues fuzz document".utf8))
    }
}

extension FuzzTargets {
    /// The verifier with no trusted roots: every path through reading, digesting and chain building still runs.
    static let verifier = SignatureVerifier(roots: [])

    static func verify(signature: [UInt8], content: [UInt8]) {
        FuzzCheck.blocking {
            _ = try? await verifier.verify(signature: signature, content: content)
        }
    }
}
