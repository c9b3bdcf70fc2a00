import FluentPostgresDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SQLKit

/// Several instances on one PostgreSQL database: each tells the others which kinds of events it committed
/// (`NOTIFY hues_changes`) and counts theirs (`LISTEN`), so public answers kept by any instance and the live streams
/// of every instance follow all writes within a moment instead of the cache's one-minute ceiling.
///
/// Notices are coalesced: every 100 ms at most one `NOTIFY` carries the set of types committed since, so a burst of
/// writes costs one message, not one per write. A notification lost to a dropped connection only delays freshness:
/// when the listening connection comes back, every kept answer is treated as stale.
public struct ChangeBroadcast: Service {
    static let channel = "hues_changes"
    let database: PlatformDatabase
    let url: String
    let instance: String
    /// The first segments of the event types modules declare: anyone who may connect to the database can NOTIFY,
    /// so only names of the platform's own kinds are counted.
    let namespaces: Set<Substring>
    let logger: Logger

    public init?(database: PlatformDatabase, instance: String, eventTypes: some Sequence<String>, logger: Logger) {
        guard case .postgres(let url) = database.location else { return nil }
        self.database = database
        self.url = url
        self.instance = instance
        self.namespaces = Set(eventTypes.compactMap { $0.split(separator: ".").first })
        self.logger = logger
    }

    public func run() async throws {
        database.changes.startOutbox()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.listenUntilShutdown() }
            group.addTask { await self.tellUntilShutdown() }
        }
    }

    /// `instance|type,type,…`, split so that no message passes PostgreSQL's 8,000-byte payload limit.
    static func messages(_ types: Set<String>, from instance: String) -> [String] {
        var messages: [String] = []
        var current: [String] = []
        var size = instance.utf8.count + 1
        for type in types.sorted() where type.utf8.count < 1000 {
            if size + type.utf8.count + 1 > 7000, !current.isEmpty {
                messages.append(instance + "|" + current.joined(separator: ","))
                current = []
                size = instance.utf8.count + 1
            }
            current.append(type)
            size += type.utf8.count + 1
        }
        if !current.isEmpty { messages.append(instance + "|" + current.joined(separator: ",")) }
        return messages
    }

    /// The types another instance says it committed, of the platform's own kinds; nil for our own messages and
    /// anything malformed.
    static func parse(_ payload: String, ownInstance: String, namespaces: Set<Substring>) -> [String]? {
        guard let bar = payload.firstIndex(of: "|") else { return nil }
        guard payload[..<bar] != ownInstance else { return nil }
        return payload[payload.index(after: bar)...].split(separator: ",").prefix(1000).filter { type in
            type.utf8.count <= 200 && type.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 }
                && type.split(separator: ".").first.map(namespaces.contains) == true
        }.map(String.init)
    }

    private func tellUntilShutdown() async {
        var running = true
        while running {
            do { try await Task.sleep(for: .milliseconds(100)) } catch { running = false }
            // One last round at shutdown, for what this instance committed while it drained.
            if Task.isShuttingDownGracefully { running = false }
            let types = database.changes.takeOutbox()
            guard !types.isEmpty else { continue }
            do {
                let sql = try database.sql(logger: logger)
                for message in Self.messages(types, from: instance) {
                    try await sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: message))").run()
                }
            } catch {
                // Told next round (the others keep their answers up to the cache's ceiling meanwhile).
                database.changes.putBack(types)
                logger.warning("could not tell the other instances of new commits", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    private func listenUntilShutdown() async {
        var delay = Duration.milliseconds(200)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await listenOnce { delay = .milliseconds(200) }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                logger.warning("lost the link to the other instances; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
            }
            // Whatever was committed elsewhere while we were not listening was not counted.
            database.changes.invalidateAll()
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(10))
        }
    }

    private func listenOnce(connected: () -> Void) async throws {
        let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
        let connection = try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                                                              id: 0, logger: logger)
        do {
            try await withGracefulShutdownHandler {
                try await connection.listen(on: Self.channel) { notifications in
                    connected()
                    database.changes.invalidateAll()
                    for try await notification in notifications {
                        if let types = Self.parse(notification.payload, ownInstance: instance, namespaces: namespaces) { database.changes.received(types) }
                    }
                }
            } onGracefulShutdown: {
                connection.close().whenComplete { _ in }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }
}
