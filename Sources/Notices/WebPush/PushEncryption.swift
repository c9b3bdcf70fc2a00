import Crypto
import Foundation

/// Message encryption for Web Push (RFC 8291) in the `aes128gcm` content coding (RFC 8188): only the browser that
/// subscribed can read a notice, never the push service that carries it.
public enum PushEncryption {
    /// The record size written into the header; one record carries the whole message.
    public static let recordSize = 4096
    /// The most a notice may carry (RFC 8291 §4): push services need accept only 4,096 bytes of body, and the body
    /// holds the 86-byte header, the text, one delimiter byte and the 16-byte tag.
    public static let maximumPlaintext = 4096 - 86 - 1 - 16

    public enum Failure: Error, Equatable {
        case tooLong(Int)
    }

    /// Encrypts `plaintext` for the browser holding the private half of `receiverKey` and `authSecret`.
    /// `senderKey` and `salt` are fresh for every message; tests pass RFC 8291's to check the bytes.
    public static func encrypt(
        _ plaintext: Data, for receiverKey: P256.KeyAgreement.PublicKey, authSecret: Data,
        senderKey: P256.KeyAgreement.PrivateKey = P256.KeyAgreement.PrivateKey(), salt: Data? = nil
    ) throws -> Data {
        guard plaintext.count <= maximumPlaintext else { throw Failure.tooLong(plaintext.count) }
        let salt = salt ?? Data(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        let receiverPoint = receiverKey.x963Representation
        let senderPoint = senderKey.publicKey.x963Representation
        let shared = try senderKey.sharedSecretFromKeyAgreement(with: receiverKey)
        let sharedBytes = shared.withUnsafeBytes { Data($0) }

        // RFC 8291 §3.3: the auth secret and both public keys bind the input keying material to this subscription.
        let keyInfo = Data("WebPush: info".utf8) + [0] + receiverPoint + senderPoint
        let keyPRK = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: sharedBytes), salt: authSecret)
        let ikm = HKDF<SHA256>.expand(pseudoRandomKey: keyPRK, info: keyInfo, outputByteCount: 32)

        // RFC 8188 §2.2–2.3: the content-encryption key and nonce from the per-message salt.
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: ikm, salt: salt)
        let cek = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Data("Content-Encoding: aes128gcm".utf8) + [0], outputByteCount: 16)
        let nonce = HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Data("Content-Encoding: nonce".utf8) + [0], outputByteCount: 12)

        // One record, the last: the text and the delimiter 0x02, no padding.
        let sealed = try AES.GCM.seal(plaintext + [2], using: cek, nonce: try AES.GCM.Nonce(data: nonce.withUnsafeBytes { Data($0) }))

        var message = Data()
        message.append(salt)
        withUnsafeBytes(of: UInt32(recordSize).bigEndian) { message.append(contentsOf: $0) }
        message.append(UInt8(senderPoint.count))
        message.append(senderPoint)
        message.append(sealed.ciphertext)
        message.append(sealed.tag)
        return message
    }
}
