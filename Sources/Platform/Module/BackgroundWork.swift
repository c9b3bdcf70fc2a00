import Logging
import ServiceLifecycle

/// Periodic work a module runs while the server runs: a sweep over overdue cases, a round of email delivery, a
/// batch of webhooks. Declared in the module's manifest; App hands all of it to one `BackgroundWorker`.
public struct BackgroundWork: Sendable {
    public let name: String
    /// How long to wait between rounds; zero turns the work off (tests and `hues … sweep` run it themselves).
    public let interval: Duration
    /// Whether only one instance of the platform may run it at a time. Work that claims its rows in the database
    /// (sweeps, deliveries) is safe on every instance; a projection with one cursor is not.
    public let singleInstance: Bool
    public let round: @Sendable (Logger) async throws -> Void

    public init(_ name: String, every interval: Duration, singleInstance: Bool = false, round: @escaping @Sendable (Logger) async throws -> Void) {
        self.name = name
        self.interval = interval
        self.singleInstance = singleInstance
        self.round = round
    }
}

/// Runs every module's background work side by side, each on its own interval, so a slow one (a webhook subscriber
/// that times out) never holds up another (expiring unpaid attempts). A failed round is logged and the next one
/// comes on time; graceful shutdown ends the sleeps at once. Single-instance work runs only on the instance holding
/// its lease, renewed every round.
public struct BackgroundWorker: Service {
    let work: [BackgroundWork]
    let leases: WorkLeases
    let logger: Logger

    public init(work: [BackgroundWork], leases: WorkLeases, logger: Logger) {
        self.work = work.filter { $0.interval > .zero }
        self.leases = leases
        self.logger = logger
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for item in work {
                group.addTask { await loop(item) }
            }
            // A service that returns ends the whole application: with nothing to do, wait for the shutdown like the rest.
            group.addTask { try? await gracefulShutdown() }
        }
    }

    func loop(_ item: BackgroundWork) async {
        var logger = self.logger
        logger[metadataKey: "work"] = .string(item.name)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await runRound(item, logger: logger)
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: item.interval) } } catch { break }
        }
        if item.singleInstance {
            do { try await leases.release(item.name, logger: logger) } catch {
                logger.warning("lease not released; another instance takes over when it lapses", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One round, if this instance may run it. A lease lasts two intervals and a minute and is renewed every third
    /// of that while a round runs, so a long round keeps it and a missed renewal or two does not hand the work over
    /// while its holder is alive; a round whose lease is lost is cancelled. (Lapses are read on each instance's
    /// clock: skew of seconds, which NTP keeps and token expiry needs anyway, is small beside the lease.)
    func runRound(_ item: BackgroundWork, logger: Logger) async {
        do {
            guard item.singleInstance else { return try await item.round(logger) }
            let lease = item.interval * 2 + .seconds(60)
            guard try await leases.claim(item.name, for: lease, logger: logger) else {
                logger.debug("another instance holds this work")
                return
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await item.round(logger) }
                group.addTask { [leases] in
                    while true {
                        try await Task.sleep(for: lease / 3)
                        guard try await leases.claim(item.name, for: lease, logger: logger) else { throw LeaseLost() }
                    }
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch {
            logger.error("background round failed", metadata: ["error": "\(error)"])
        }
    }

    struct LeaseLost: Error, CustomStringConvertible {
        var description: String { "another instance took this work over; the round was stopped" }
    }
}
