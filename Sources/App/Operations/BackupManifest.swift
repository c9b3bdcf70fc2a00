import Foundation

/// What a backup holds and how to check a restore against it: every table's row count and checksum and the event
/// log's head, computed from the same snapshot the database copy was taken from.
public struct BackupManifest: Codable, Sendable, Equatable {
    public static let fileName = "manifest.json"
    public static let currentFormat = 1

    public struct Table: Codable, Sendable, Equatable {
        public var name: String
        public var rows: Int
        /// SHA-256 over the table's rows in a canonical text form, in order (hex).
        public var sha256: String
    }

    public struct ChainHead: Codable, Sendable, Equatable {
        public var seq: Int
        public var hash: String
    }

    public var format: Int
    /// `sqlite` or `postgresql`: a backup restores into the same kind of database.
    public var database: String
    public var createdAt: Date
    /// The file holding the database copy, beside the manifest.
    public var databaseFile: String
    /// The master key, sealed with the backup passphrase (`KeyEnvelope`): without it no stored secret opens.
    public var masterKeyFile: String
    public var migrations: [String]
    public var tables: [Table]
    public var chain: ChainHead
}
