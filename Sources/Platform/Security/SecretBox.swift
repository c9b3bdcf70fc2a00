import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// The master key's bytes, for `hues backup` to seal with the operator's passphrase; nothing else reads them.
    package var keyForBackup: Data { key.withUnsafeBytes { Data($0) } }

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
        // A key that exists is read or the start fails: generating a new one over it would make every secret sealed
        // with the old one (signing keys, CA keys, webhook secrets) unreadable for good.
        if FileManager.default.fileExists(atPath: path) { return try read(path) }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256)
        let base64 = key.withUnsafeBytes { Data($0).base64EncodedString() }
        // O_EXCL: when two processes start on a fresh data folder at once, one creates the key and the other reads it.
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor < 0 {
            if errno == EEXIST { return try read(path) }
            throw ConfigurationError(problems: [ConfigProblem(key: "HUES_DATA_DIR", message: "cannot create \(path): \(String(cString: strerror(errno)))")])
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data((base64 + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw ConfigurationError(problems: [ConfigProblem(key: "HUES_DATA_DIR", message: "cannot write \(path): \(error)")])
        }
        return SecretBox(masterKey: key)
    }

    private static func read(_ path: String) throws -> SecretBox {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError(problems: [ConfigProblem(key: "HUES_DATA_DIR", message: "cannot read \(path): \(error.localizedDescription)")])
        }
        guard let box = SecretBox(base64: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ConfigurationError(problems: [ConfigProblem(key: "HUES_DATA_DIR", message: "\(path) does not hold a base64 32-byte key")])
        }
        return box
    }
}
