import HummingbirdBcrypt
import NIOPosix

/// bcrypt, run off the event loops: a hash takes tens to hundreds of milliseconds by design.
public struct PasswordHasher: Sendable {
    let cost: Int
    private let decoy: String

    public init(cost: Int) {
        self.cost = cost
        self.decoy = Bcrypt.hash("decoy-password-never-matches", cost: UInt8(clamping: cost))
    }

    public func hash(_ password: String) async throws -> String {
        let cost = UInt8(clamping: cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Spends the same time as a real check, so "no such user" cannot be told from "wrong password" by timing.
    func burn(_ password: String) async throws {
        _ = try await verify(password, against: decoy)
    }
}
