import Crypto
import Foundation
import _CryptoExtras

/// The master key sealed with a passphrase for a backup: scrypt (N = 2^15, r = 8, p = 1) derives an AES-256-GCM key
/// from the passphrase and a random salt. A backup taken off the machine is useless without the passphrase, and the
/// passphrase alone opens nothing but this envelope.
public struct KeyEnvelope: Codable, Sendable {
    public static let minimumPassphraseLength = 12

    public struct WrongPassphrase: Error, CustomStringConvertible {
        public var description: String { "the passphrase does not open this backup's key" }
    }

    public var kdf: String
    public var rounds: Int
    public var salt: String
    public var sealed: String

    public static func seal(_ key: Data, passphrase: String) throws -> KeyEnvelope {
        let salt = Data(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        let box = try AES.GCM.seal(key, using: try derive(passphrase, salt: salt, rounds: 1 << 15), authenticating: Data("hues-backup-key".utf8))
        guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
        return KeyEnvelope(kdf: "scrypt-r8-p1", rounds: 1 << 15, salt: salt.base64EncodedString(), sealed: combined.base64EncodedString())
    }

    public func open(passphrase: String) throws -> Data {
        // The envelope is outside data: its work factor is bounded before it sets how much work opening takes.
        guard kdf == "scrypt-r8-p1", (1 << 14)...(1 << 20) ~= rounds, rounds.nonzeroBitCount == 1,
              let salt = Data(base64Encoded: salt), salt.count == 16, let sealed = Data(base64Encoded: sealed)
        else { throw WrongPassphrase() }
        do {
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: try Self.derive(passphrase, salt: salt, rounds: rounds),
                                    authenticating: Data("hues-backup-key".utf8))
        } catch {
            throw WrongPassphrase()
        }
    }

    private static func derive(_ passphrase: String, salt: Data, rounds: Int) throws -> SymmetricKey {
        try KDF.Scrypt.deriveKey(from: Data(passphrase.utf8), salt: salt, outputByteCount: 32, rounds: rounds, blockSize: 8, parallelism: 1)
    }
}
