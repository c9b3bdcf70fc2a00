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
    /// Event topics whose commits start a round before the interval ends (a projection that must show an event
    /// within a second), and where they are heard.
    public let wakeOn: (topics: [String], changes: ChangeTopics)?

    public init(_ name: String, every interval: Duration, singleInstance: Bool = false, wakeOn: (topics: [String], changes: ChangeTopics)? = nil,
                round: @escaping @Sendable (Logger) async throws -> Void) {
        self.name = name
        self.interval = interval
        self.singleInstance = singleInstance
        self.wakeOn = wakeOn
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
        let doorbell = Doorbell()
        // Commits of the work's topics ring the bell for as long as the loop runs.
        let listener = item.wakeOn.map { wake in
            let subscription = wake.changes.subscribe(to: wake.topics)
            return Task { for await _ in subscription.types { doorbell.ring() } }
        }
        defer { listener?.cancel() }
        var claimed: ContinuousClock.Instant?
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let held = await runRound(item, logger: logger, claimed: &claimed)
            do {
                try await cancelWhenGracefulShutdown {
                    // Only the instance holding the work follows commits; the others look again when the interval ends.
                    guard listener != nil, held else { return try await Task.sleep(for: item.interval) }
                    await doorbell.wait(upTo: item.interval)
                    // A moment for the rest of a burst, so a flood of commits makes a round every settle, not one each.
                    try await Task.sleep(for: Self.settle)
                }
            } catch { break }
        }
        if item.singleInstance {
            do { try await leases.release(item.name, logger: logger) } catch {
                logger.warning("lease not released; another instance takes over when it lapses", metadata: ["error": "\(error)"])
            }
        }
    }

    /// How long a woken loop waits for more news before its round: short beside the second a projection has to
    /// show an event in, long beside a commit.
    static let settle: Duration = .milliseconds(100)

    func runRound(_ item: BackgroundWork, logger: Logger) async {
        var claimed: ContinuousClock.Instant?
        await runRound(item, logger: logger, claimed: &claimed)
    }

    /// One round, if this instance may run it; false when another instance holds it. A lease lasts two intervals and
    /// a minute and is renewed every third of that while a round runs, so a long round keeps it and a missed renewal
    /// or two does not hand the work over while its holder is alive; a round whose lease is lost is cancelled. A lease
    /// this instance claimed (`claimed`) less than a third of its length ago is still its own, so rounds woken by
    /// commits do not write it again. (Lapses are read on each instance's clock: skew of seconds, which NTP keeps and
    /// token expiry needs anyway, is small beside the lease.)
    @discardableResult
    func runRound(_ item: BackgroundWork, logger: Logger, claimed: inout ContinuousClock.Instant?) async -> Bool {
        do {
            guard item.singleInstance else {
                try await item.round(logger)
                return true
            }
            let lease = item.interval * 2 + .seconds(60)
            if claimed.map({ ContinuousClock.now - $0 < lease / 3 }) != true {
                let started = ContinuousClock.now
                guard try await leases.claim(item.name, for: lease, logger: logger) else {
                    claimed = nil
                    logger.debug("another instance holds this work")
                    return false
                }
                claimed = started
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
            // The lease may be lost with the round: claim it again before the next.
            claimed = nil
            logger.error("background round failed", metadata: ["error": "\(error)"])
        }
        return true
    }

    struct LeaseLost: Error, CustomStringConvertible {
        var description: String { "another instance took this work over; the round was stopped" }
    }
}
