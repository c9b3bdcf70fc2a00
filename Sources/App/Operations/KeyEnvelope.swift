import Crypto
import Foundation
import _CryptoExtras

/// The master key sealed with a passphrase for a backup: scrypt (N = 2^17, r = 8, p = 1) derives an AES-256-GCM key
/// from the passphrase (Unicode-normalised, so "ế" typed on any keyboard is the same bytes) and a random salt. The
/// manifest's SHA-256 is bound in as associated data: a manifest edited after the backup (to hide a changed table)
/// no longer opens the key.
public struct KeyEnvelope: Codable, Sendable {
    public static let minimumPassphraseLength = 12
    static let sealingRounds = 1 << 17
    /// Opening reads the work factor from the file: bounded, so a crafted envelope cannot ask for gigabytes.
    static let acceptedRounds = (1 << 14)...(1 << 18)

    public struct WrongPassphrase: Error, CustomStringConvertible {
        public var description: String { "the passphrase does not open this backup's key, or its manifest was altered" }
    }

    public struct Malformed: Error, CustomStringConvertible {
        public var description: String { "the backup's key file is damaged or not one this release reads" }
    }

    public var kdf: String
    public var rounds: Int
    public var salt: String
    public var sealed: String

    public static func seal(_ key: Data, passphrase: String, manifest: Data) throws -> KeyEnvelope {
        let salt = Data(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        let box = try AES.GCM.seal(key, using: try derive(passphrase, salt: salt, rounds: sealingRounds), authenticating: binding(manifest))
        guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
        return KeyEnvelope(kdf: "scrypt-r8-p1", rounds: sealingRounds, salt: salt.base64EncodedString(), sealed: combined.base64EncodedString())
    }

    public func open(passphrase: String, manifest: Data) throws -> Data {
        guard kdf == "scrypt-r8-p1", Self.acceptedRounds ~= rounds, rounds.nonzeroBitCount == 1,
              let salt = Data(base64Encoded: salt), salt.count == 16, let sealed = Data(base64Encoded: sealed), sealed.count == 12 + 32 + 16
        else { throw Malformed() }
        let key: Data
        do {
            key = try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: try Self.derive(passphrase, salt: salt, rounds: rounds),
                                   authenticating: Self.binding(manifest))
        } catch {
            throw WrongPassphrase()
        }
        guard key.count == 32 else { throw Malformed() }
        return key
    }

    static func binding(_ manifest: Data) -> Data { Data("hues-backup-key:".utf8) + Data(SHA256.hash(data: manifest)) }

    private static func derive(_ passphrase: String, salt: Data, rounds: Int) throws -> SymmetricKey {
        try KDF.Scrypt.deriveKey(from: Data(passphrase.precomposedStringWithCanonicalMapping.utf8), salt: salt, outputByteCount: 32,
                                 rounds: rounds, blockSize: 8, parallelism: 1)
    }
}
