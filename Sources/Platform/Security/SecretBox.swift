import Crypto
import Foundation

/// Encrypts secrets at rest (signing keys, client secrets) with the master key: AES-256-GCM, random nonce,
/// the purpose bound in as associated data so a ciphertext cannot be moved to another use.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    public init(masterKey: SymmetricKey) {
        self.key = masterKey
    }

    public init?(base64: String) {
        guard let data = Data(base64Encoded: base64), data.count == 32 else { return nil }
        self.key = SymmetricKey(data: data)
    }

    /// A key for one purpose derived from the master key (HKDF-SHA256), for secrets that must be stable but
    /// need not be stored, like the demo bank's confirmation key.
    public func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(purpose.utf8), outputByteCount: 32)
    }

    public func seal(_ plaintext: Data, purpose: String) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(purpose.utf8))
        guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
        return combined.base64EncodedString()
    }

    public func open(_ sealed: String, purpose: String) throws -> Data {
        guard let data = Data(base64Encoded: sealed) else { throw CryptoKitError.incorrectParameterSize }
        return try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: key, authenticating: Data(purpose.utf8))
    }

    /// The master key from configuration, or (outside production) from `DATA_DIR/master.key`, created on first use
    /// with owner-only permissions.
    public static func masterKey(configuration: HuesConfiguration) throws -> SecretBox {
        if let base64 = configuration.masterKeyBase64 {
            guard let box = SecretBox(base64: base64) else {
                throw ConfigurationError(problems: [ConfigProblem(key: "HUES_MASTER_KEY", message: "must be base64 of 32 bytes")])
            }
            return box
        }
        guard configuration.mode != .production else {
            throw ConfigurationError(problems: [ConfigProblem(key: "HUES_MASTER_KEY", message: "required in production mode")])
        }
        let path = (configuration.dataDirectory as NSString).appendingPathComponent("master.key")
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            guard let box = SecretBox(base64: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw ConfigurationError(problems: [ConfigProblem(key: "HUES_DATA_DIR", message: "\(path) does not hold a base64 32-byte key")])
            }
            return box
        }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256)
        let base64 = key.withUnsafeBytes { Data($0).base64EncodedString() }
        guard FileManager.default.createFile(atPath: path, contents: Data((base64 + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError(problems: [ConfigProblem(key: "HUES_DATA_DIR", message: "cannot write \(path)")])
        }
        return SecretBox(masterKey: key)
    }
}
