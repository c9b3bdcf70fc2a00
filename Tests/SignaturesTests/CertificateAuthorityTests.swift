import Crypto
import Documents
import Foundation
import HuesTestSupport
import Logging
import Platform
@testable import Signatures
import Testing
import X509

/// The CA and CMS signatures, checked by OpenSSL and pyHanko as an outside verifier would.
@Suite struct CertificateAuthorityTests {
    let logger = Logger(label: "test")
    static let officer = CertificateHolder.officer(accountID: "acc-1", name: "Trần Văn Minh", unitCode: "phuong-phu-xuan")

    func withModule(_ body: (SignaturesModule, PlatformDatabase) async throws -> Void) async throws {
        try await TestDatabase.usingPlatformDatabase { database, test in
            var configuration = HuesConfiguration.testing(dataDirectory: test.folder, database: test.location)
            configuration.publicBaseURL = "http://hues.test"
            let context = ModuleContext(configuration: configuration, profile: try CityProfile.demo(), database: database,
                                        secrets: SecretBox(masterKey: SymmetricKey(size: .bits256)))
            context.capabilities.provide((any StaffDirectory).self, NoStaff(), by: "test")
            let module = try SignaturesModule(context: context, renderer: nil)
            try await database.migrate(EventLog.migrations() + module.migrations, logger: logger)
            try await module.authority.initialize(actorName: "test", logger: logger)
            try await body(module, database)
        }
    }

    /// Writes root, intermediate and a PEM of `certificate` into `folder`.
    func export(_ module: SignaturesModule, to folder: String) async throws {
        for code in ["root", CertificateAuthority.defaultAuthority] {
            let der = try #require(try await module.authority.authorityCertificate(code, logger: logger))
            try ExternalTool.write(Array(try Certificate(derEncoded: der).serializeAsPEM().pemString.utf8) + [10], to: "\(folder)/\(code).pem")
        }
    }

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1")) func openSSLVerifiesTheChainAndReadsTheProfile() async throws {
        try await withModule { module, _ in
            let issued = try await module.authority.issue(to: Self.officer, actorName: "test", logger: logger)
            let folder = try ExternalTool.scratchFolder()
            try await export(module, to: folder)
            try ExternalTool.write(Array(issued.pem.utf8), to: folder + "/leaf.pem")
            let verified = try await ExternalTool.run(["openssl", "verify", "-CAfile", "root.pem", "-untrusted", "hue.pem", "leaf.pem"], in: folder)
            #expect(verified.status == 0, "\(verified.output) \(verified.error)")
            let text = try await ExternalTool.run(["openssl", "x509", "-in", "leaf.pem", "-noout", "-text"], in: folder).output
            #expect(text.contains("Digital Signature, Non Repudiation"))
            #expect(text.contains("CA:FALSE"))
            #expect(text.contains("URI:http://hues.test/ca/hue.crl"))
            #expect(!text.contains("Extended Key Usage"))
            let intermediate = try await ExternalTool.run(["openssl", "x509", "-in", "hue.pem", "-noout", "-text"], in: folder).output
            #expect(intermediate.contains("Certificate Sign, CRL Sign"))
            #expect(intermediate.contains("CA:TRUE, pathlen:0"))
        }
    }

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1")) func revocationIsPublishedInACRLThatOpenSSLEnforces() async throws {
        try await withModule { module, _ in
            let kept = try await module.authority.issue(to: Self.officer, actorName: "test", logger: logger)
            let revoked = try await module.authority.issue(to: .unit(code: "phuong-phu-xuan"), algorithm: .rsa2048, actorName: "test", logger: logger)
            let after = try await module.authority.revoke(serial: revoked.serial, reason: .keyCompromise, actorName: "test", logger: logger)
            #expect(after.status == .revoked)
            await #expect(throws: Problem.self) { try await module.authority.revoke(serial: revoked.serial, reason: .keyCompromise, actorName: "test", logger: logger) }

            let folder = try ExternalTool.scratchFolder()
            try await export(module, to: folder)
            let crl = try #require(try await module.authority.revocationList(authority: "hue", logger: logger))
            try ExternalTool.write(crl, to: folder + "/hue.crl")
            let parsed = try await ExternalTool.run(["openssl", "crl", "-inform", "DER", "-in", "hue.crl", "-noout", "-text"], in: folder)
            #expect(parsed.status == 0, "\(parsed.error)")
            #expect(parsed.output.uppercased().contains(revoked.serial.uppercased()))
            #expect(parsed.output.contains("Key Compromise"))
            #expect(!parsed.output.uppercased().contains(kept.serial.uppercased()))
            // The CRL is signed by the issuing authority: OpenSSL checks that signature against hue.pem.
            let signed = try await ExternalTool.run(["openssl", "crl", "-inform", "DER", "-in", "hue.crl", "-noout", "-CAfile", "hue.pem"], in: folder)
            #expect((signed.output + signed.error).contains("verify OK"))

            _ = try await ExternalTool.run(["openssl", "crl", "-inform", "DER", "-in", "hue.crl", "-out", "hue-crl.pem"], in: folder)
            try ExternalTool.write(Array(kept.pem.utf8), to: folder + "/kept.pem")
            try ExternalTool.write(Array(revoked.pem.utf8), to: folder + "/revoked.pem")
            let arguments = ["openssl", "verify", "-crl_check", "-CRLfile", "hue-crl.pem", "-CAfile", "root.pem", "-untrusted", "hue.pem"]
            #expect(try await ExternalTool.run(arguments + ["kept.pem"], in: folder).status == 0)
            let refused = try await ExternalTool.run(arguments + ["revoked.pem"], in: folder)
            #expect(refused.status != 0)
            #expect((refused.output + refused.error).contains("certificate revoked"))
        }
    }

    static let signer = SigningService.Signer(holderKind: "officer", holderID: "acc-1", actorName: "Trần Văn Minh", unitCode: "phuong-phu-xuan")

    /// Issues the officer a certificate, signs `text` with it, and writes the document, its signature and the CA
    /// certificates into a scratch folder for the outside tools.
    func signedInFolder(_ module: SignaturesModule, _ text: String) async throws -> (folder: String, document: [UInt8], signature: [UInt8]) {
        _ = try await module.authority.issue(to: Self.officer, actorName: "test", logger: logger)
        let document = Array(text.utf8)
        let signature = try await module.signing.sign(digest: SHA256.hash(data: document), document: "document:test", as: Self.signer, logger: logger)
        let folder = try ExternalTool.scratchFolder()
        try await export(module, to: folder)
        try ExternalTool.write(document, to: folder + "/doc.txt")
        try ExternalTool.write(signature, to: folder + "/doc.p7s")
        return (folder, document, signature)
    }

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1")) func openSSLAndOurVerifierAcceptADetachedSignatureAndCatchOneChangedByte() async throws {
        try await withModule { module, _ in
            let (folder, document, signature) = try await signedInFolder(module, "Quyết định cấp giấy phép xây dựng số 123/GPXD — UBND phường Phú Xuân")
            let verify = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "doc.p7s", "-CAfile", "root.pem", "-out", "/dev/null"]
            let accepted = try await ExternalTool.run(verify + ["-content", "doc.txt"], in: folder)
            #expect(accepted.status == 0, "\(accepted.error)")
            // With -cades OpenSSL also demands the ESS signing-certificate-v2 attribute that PAdES B-B needs.
            #expect(try await ExternalTool.run(verify + ["-cades", "-content", "doc.txt"], in: folder).status == 0)

            var tampered = document
            tampered[10] ^= 0x01
            try ExternalTool.write(tampered, to: folder + "/tampered.txt")
            let refused = try await ExternalTool.run(verify + ["-content", "tampered.txt"], in: folder)
            #expect(refused.status != 0)

            let report = try await module.signing.verify(signature: signature, content: document, logger: logger)
            #expect(report.verdict == .valid, "\(report.reasons)")
            #expect(report.signer?.commonName == "Trần Văn Minh")
            #expect(report.signer?.organizationalUnit == "Phường Phú Xuân")
            #expect(report.chain.count == 3)
            #expect(report.bindsSigningCertificate)
            let altered = try await module.signing.verify(signature: signature, content: tampered, logger: logger)
            #expect(altered.verdict == .altered)
            #expect(!altered.documentIntact)
        }
    }

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1")) func pyHankoValidatesTheDetachedSignature() async throws {
        try await withModule { module, _ in
            let (folder, _, _) = try await signedInFolder(module, "Giấy xác nhận tình trạng hôn nhân")
            let result = try await ExternalTool.run(["pyhanko", "sign", "validate", "--pretty-print", "--trust-replace", "--trust", "root.pem", "--other-certs", "hue.pem",
                                               "--no-revocation-check", "--detached", "doc.p7s", "doc.txt"], in: folder)
            #expect(result.status == 0, "\(result.output) \(result.error)")
            #expect(result.output.contains("INTACT") || result.output.lowercased().contains("valid"), "\(result.output)")
        }
    }

    @Test func revokedOrMissingCertificatesRefuseToSignWithTheReason() async throws {
        try await withModule { module, _ in
            let signer = Self.signer
            let digest = SHA256.hash(data: Array("x".utf8))
            let none = await #expect(throws: Problem.self) { try await module.signing.sign(digest: digest, document: "d", as: signer, logger: logger) }
            #expect(none?.detail.contains("no signing certificate") == true)

            let issued = try await module.authority.issue(to: Self.officer, validDays: 30, actorName: "test", logger: logger)
            let expired = await #expect(throws: Problem.self) {
                try await module.signing.sign(digest: digest, document: "d", as: signer, at: Date().addingTimeInterval(40 * 86_400), logger: logger)
            }
            #expect(expired?.detail.contains("expired") == true)
            #expect(expired?.status == .forbidden)

            let early = await #expect(throws: Problem.self) {
                try await module.signing.sign(digest: digest, document: "d", as: signer, at: Date().addingTimeInterval(-86_400), logger: logger)
            }
            #expect(early?.detail.contains("not valid until") == true)

            _ = try await module.authority.revoke(serial: issued.serial, reason: .keyCompromise, actorName: "test", logger: logger)
            let revoked = await #expect(throws: Problem.self) { try await module.signing.sign(digest: digest, document: "d", as: signer, logger: logger) }
            #expect(revoked?.detail.contains("revoked") == true)
        }
    }

    @Test func aSignatureMadeBeforeRevocationStaysValidAndOneAfterIsFlagged() async throws {
        try await withModule { module, database in
            let issued = try await module.authority.issue(to: Self.officer, actorName: "test", logger: logger)
            let document = Array("Biên nhận".utf8)
            let signer = Self.signer
            let before = try await module.signing.sign(digest: SHA256.hash(data: document), document: "d", as: signer,
                                                       at: Date().addingTimeInterval(-30), logger: logger)
            let renewed = try await module.authority.renew(serial: issued.serial, actorName: "test", logger: logger)
            #expect(renewed.serial != issued.serial)
            #expect(try await module.authority.certificate(serial: issued.serial, logger: logger)?.status == .revoked)
            let report = try await module.signing.verify(signature: before, content: document, logger: logger)
            #expect(report.verdict == .valid, "\(report.reasons)")
            #expect(report.revokedAt != nil)

            // A signature dated after the revocation (as a stolen key would make) is reported as revoked.
            let record = try #require(try await module.authority.record(serial: issued.serial, on: try database.db(logger: logger)))
            let (leaf, key) = try module.authority.open(record)
            let intermediate = try Certificate(derEncoded: try #require(try await module.authority.authorityCertificate("hue", logger: logger)))
            let late = try DetachedSignature.sign(digest: SHA256.hash(data: document), signer: leaf, key: key, chain: [intermediate],
                                                  signingTime: Date().addingTimeInterval(60))
            let lateReport = try await module.signing.verify(signature: late, content: document, logger: logger)
            #expect(lateReport.verdict == .revoked, "\(lateReport.reasons)")
        }
    }

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1")) func aSignedPDFPassesPyHankoAndQpdfAndAChangedByteIsCaught() async throws {
        try await withModule { module, _ in
            _ = try await module.authority.issue(to: Self.officer, actorName: "test", logger: logger)
            var document = try PDFDocument.withSystemFonts(title: "Quyết định", author: "Phường Phú Xuân")
            document.text("QUYẾT ĐỊNH cấp giấy phép xây dựng", x: 56, y: 780, size: 14, weight: .bold)
            document.text("Người ký: Trần Văn Minh", x: 56, y: 740)
            let unsigned = try document.write(signatureField: "ChuKy")
            let signed = try await module.signing.signPDF(unsigned, name: "document:quyet-dinh", as: Self.signer, logger: logger)
            #expect(signed.starts(with: unsigned), "an incremental update keeps the original bytes")

            let folder = try ExternalTool.scratchFolder()
            try await export(module, to: folder)
            try ExternalTool.write(signed, to: folder + "/signed.pdf")
            let check = try await ExternalTool.run(["qpdf", "--check", "signed.pdf"], in: folder)
            #expect(check.status == 0, "\(check.output) \(check.error)")
            let validated = try await ExternalTool.run(["pyhanko", "sign", "validate", "--pretty-print", "--trust-replace", "--trust", "root.pem", "--other-certs", "hue.pem",
                                                  "--no-revocation-check", "signed.pdf"], in: folder)
            #expect(validated.status == 0, "\(validated.output) \(validated.error)")
            #expect(validated.output.contains("The signature is judged VALID"), "\(validated.output)")
            #expect(validated.output.contains("The signature covers the entire file"))
            let ades = try await ExternalTool.run(["pyhanko", "sign", "adesverify", "--trust-replace", "--trust", "root.pem", "--other-certs", "hue.pem",
                                             "--no-revocation-check", "signed.pdf"], in: folder)
            // pyHanko's AdES (ETSI EN 319 102-1) validation of the PAdES B-B signature.
            #expect(ades.output.contains(":INTACT:TRUSTED,UNTOUCHED"), "pyHanko's AdES report: \(ades.output) \(ades.error)")

            let report = try await module.signing.verifyDocument(signed, signature: nil, logger: logger)
            #expect(report.verdict == .valid, "\(report.reasons)")
            #expect(report.signer?.commonName == "Trần Văn Minh")
            #expect(report.signingTime != nil)

            var tampered = signed
            let text = try #require(PDFSignature.find(Array("QUY".utf8), in: tampered, from: 0) ?? PDFSignature.find(Array("Tj".utf8), in: tampered, from: 0))
            tampered[text] ^= 0x01
            #expect(try await module.signing.verifyDocument(tampered, signature: nil, logger: logger).verdict == .altered)
            let appended = signed + Array("1 0 obj\n(changed)\nendobj\n".utf8)
            #expect(try await module.signing.verifyDocument(appended, signature: nil, logger: logger).verdict == .altered)
            let broken = try await module.signing.verifyDocument(Array("%PDF-1.7\nnot really".utf8), signature: nil, logger: logger)
            #expect(broken.verdict == .malformed)

            // A PDF whose cross-reference table is broken is refused for what it is.
            var badXref = unsigned
            let xref = try #require(PDFSignature.find(Array("startxref\n".utf8), in: badXref, from: 0))
            badXref.replaceSubrange((xref + 10)..<(xref + 11), with: Array("9".utf8))
            let refusal = await #expect(throws: Problem.self) {
                try await module.signing.signPDF(badXref, name: "x", as: Self.signer, logger: logger)
            }
            #expect(refusal?.status == .unprocessableContent)
        }
    }

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1")) func aPDFWithoutASignatureFieldGetsOneInTheSigningUpdate() async throws {
        try await withModule { module, _ in
            _ = try await module.authority.issue(to: Self.officer, actorName: "test", logger: logger)
            var document = try PDFDocument.withSystemFonts(title: "Kết quả", author: "Phường Phú Xuân")
            document.text("Giấy chứng nhận đăng ký hộ kinh doanh", x: 56, y: 780)
            document.newPage()
            document.text("Trang 2", x: 56, y: 780)
            let signed = try await module.signing.signPDF(try document.write(), name: "document:ket-qua", as: Self.signer, logger: logger)
            let folder = try ExternalTool.scratchFolder()
            try await export(module, to: folder)
            try ExternalTool.write(signed, to: folder + "/signed.pdf")
            #expect(try await ExternalTool.run(["qpdf", "--check", "signed.pdf"], in: folder).status == 0)
            let validated = try await ExternalTool.run(["pyhanko", "sign", "validate", "--pretty-print", "--trust-replace", "--trust", "root.pem",
                                                  "--other-certs", "hue.pem", "--no-revocation-check", "signed.pdf"], in: folder)
            #expect(validated.output.contains("The signature is judged VALID"), "\(validated.output) \(validated.error)")
            #expect(try await module.signing.verifyDocument(signed, signature: nil, logger: logger).verdict == .valid)
        }
    }

    @Test func anUnknownRevocationStatusFailsVerificationInsteadOfPassingIt() async throws {
        struct DatabaseDown: Error {}
        try await withModule { module, _ in
            let (_, document, signature) = try await signedInFolder(module, "Biên bản")
            let blind = SignatureVerifier(roots: try await module.authority.roots(logger: logger)) { _ in throw DatabaseDown() }
            await #expect(throws: DatabaseDown.self) { _ = try await blind.verify(signature: signature, content: document) }
        }
    }

    @Test func garbageIsReportedAsMalformedNotACrash() async throws {
        try await withModule { module, _ in
            for bytes in [[], [0x30], Array("not a signature".utf8), [0x30, 0x03, 0x06, 0x01, 0x00]] as [[UInt8]] {
                let report = try await module.signing.verify(signature: bytes, content: Array("x".utf8), logger: logger)
                #expect(report.verdict == .malformed)
                #expect(!report.reasons.isEmpty)
            }
        }
    }
}

struct NoStaff: StaffDirectory {
    func staff(holding role: Role, in unit: String, logger: Logger) async throws -> [StaffMember] { [] }
}
