import Foundation
import Logging
import Platform
import X509

/// Checks published checkpoints before the log is compared with them: each must carry a valid signature that chains
/// to the city's root. The root should come from outside the database (a copy the auditor keeps), since whoever could
/// rewrite the log could also replace the roots stored beside it.
public enum CheckpointVerification {
    /// The checkpoints whose signature holds, and a line for each one that does not.
    public static func check(_ published: [SignedCheckpoint], trustedRoot: [UInt8]?, signing: SigningService, logger: Logger) async throws
        -> (valid: [Checkpoint], problems: [String])
    {
        let verifier: SignatureVerifier
        if let trustedRoot {
            verifier = SignatureVerifier(roots: [try root(from: trustedRoot)])
        } else {
            verifier = try await signing.verifier(logger: logger)
        }
        var valid: [Checkpoint] = []
        var problems: [String] = []
        for signed in published {
            guard let signature = Data(base64Encoded: signed.signature) else {
                problems.append("checkpoint \(signed.seq): the signature is not base64")
                continue
            }
            let report = try await verifier.verify(signature: Array(signature), content: Array(signed.statement.utf8))
            guard report.verdict == .valid else {
                problems.append("checkpoint \(signed.seq): the signature is \(report.verdict.rawValue): \(report.reasons.joined(separator: "; "))")
                continue
            }
            let checkpoint = try signed.checkpoint
            guard checkpoint.seq == signed.seq else {
                problems.append("checkpoint \(signed.seq): the signed statement names entry \(checkpoint.seq)")
                continue
            }
            valid.append(checkpoint)
        }
        return (valid, problems)
    }

    /// A certificate in PEM or DER.
    static func root(from bytes: [UInt8]) throws -> Certificate {
        if let text = String(bytes: bytes, encoding: .utf8), text.contains("-----BEGIN CERTIFICATE-----") {
            return try Certificate(pemEncoded: text)
        }
        return try Certificate(derEncoded: bytes)
    }
}
