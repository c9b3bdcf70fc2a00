import Crypto
import Foundation
import Signatures
import Testing
@_spi(CMS) import X509

/// Which certificates may sign a document: a signer's, never an authority's, and never one whose key usage is
/// missing (that used to count as "nothing stated", which passed).
@Suite struct SigningPolicyTests {
    static let rootKey = P256.Signing.PrivateKey()
    static let rootName = (try? DistinguishedName { CommonName("Gốc thử nghiệm") }) ?? DistinguishedName()

    static func root() throws -> Certificate {
        try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(rootKey.publicKey), notValidBefore: Date().addingTimeInterval(-7200),
                        notValidAfter: Date().addingTimeInterval(7200), issuer: rootName, subject: rootName, signatureAlgorithm: .ecdsaWithSHA256,
                        extensions: try Certificate.Extensions {
                            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                        }, issuerPrivateKey: .init(rootKey))
    }

    /// A certificate with these extensions issued by the test root, and what the verifier says of a CMS it made.
    static func verdict(_ extensions: Certificate.Extensions) async throws -> SignatureReport {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("Người ký thử") }
        let certificate = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
                                          notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(3600),
                                          issuer: rootName, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
                                          issuerPrivateKey: .init(rootKey))
        let document = Array("Quyết định số 1".utf8)
        let signature = try CMS.sign(document, signatureAlgorithm: .ecdsaWithSHA256, certificate: certificate, privateKey: .init(key),
                                     signingTime: Date(), detached: true)
        return try await SignatureVerifier(roots: [try root()]).verify(signature: signature, content: document)
    }

    @Test func onlySignersWithASigningKeyUsageSign() async throws {
        let signer = try await Self.verdict(try Certificate.Extensions { Critical(KeyUsage(digitalSignature: true, nonRepudiation: true)) })
        #expect(signer.verdict == .valid, "\(signer.reasons)")
        let cases: [(String, Certificate.Extensions)] = [
            ("an authority stating no usage", try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) }),
            ("an authority that may also sign", try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            }),
            ("a certificate stating no usage", Certificate.Extensions()),
            ("a certificate for encryption only", try Certificate.Extensions { Critical(KeyUsage(keyEncipherment: true)) }),
        ]
        for (label, extensions) in cases {
            let report = try await Self.verdict(extensions)
            #expect(report.verdict != .valid, "\(label) was accepted as a document signer")
        }
    }
}
