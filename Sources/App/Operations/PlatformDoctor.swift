import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
#if canImport(Glibc)
import Glibc
#endif

/// `hues doctor` and the operators' status page: the platform's own checks (database, schema, disk, clock, event
/// log) and every module's (backlogs, certificates), each answering ok, warning or failure with what to do.
public enum PlatformDoctor {
    public struct Result: Sendable, Codable, Equatable {
        public var check: String
        public var status: HealthFinding.Status
        public var detail: String
    }

    public static func examine(_ runtime: HuesRuntime, now: Date = Date()) async -> [Result] {
        var checks = platformChecks(runtime)
        if runtime.database.replicaURL != nil { checks.append(replicaCheck(runtime.database)) }
        checks += runtime.modules.flatMap(\.healthChecks)
        var results: [Result] = []
        for check in checks {
            do {
                let finding = try await check.examine(now, runtime.logger)
                results.append(Result(check: check.name, status: finding.status, detail: finding.detail))
            } catch {
                // A check that cannot run is itself a failure: the operator is told, never shown a green line.
                results.append(Result(check: check.name, status: .failure, detail: "the check could not run: \(error)"))
            }
        }
        return results
    }

    static func platformChecks(_ runtime: HuesRuntime) -> [HealthCheck] {
        let database = runtime.database
        let configuration = runtime.configuration
        let expected = Set(runtime.modules.flatMap(\.migrations).map(\.name))
        return [
            HealthCheck("database") { _, logger in
                let started = ContinuousClock.now
                _ = try await database.sql(logger: logger).raw("SELECT 1 AS one").first()
                let elapsed = ContinuousClock.now - started
                let ms = Int(elapsed.components.seconds * 1000) + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
                return HealthFinding(ms > 500 ? .warning : .ok, "\(configuration.database.kindName) answers in \(ms) ms")
            },
            HealthCheck("schema") { _, logger in
                let applied: Set<String>
                do {
                    applied = Set(try await database.sql(logger: logger).raw("SELECT name FROM _fluent_migrations").all()
                        .map { try $0.decode(column: "name", as: String.self) })
                } catch {
                    return HealthFinding(.failure, "the migrations cannot be read (a new database? run `hues migrate`): \(String(reflecting: error).prefix(300))")
                }
                let missing = expected.subtracting(applied)
                return missing.isEmpty ? HealthFinding(.ok, "all \(expected.count) migrations applied")
                    : HealthFinding(.failure, "\(missing.count) migrations not applied (run `hues migrate`): \(missing.sorted().joined(separator: ", "))")
            },
            HealthCheck("disk") { _, _ in
                var stats = statvfs()
                guard statvfs(configuration.dataDirectory, &stats) == 0 else {
                    return HealthFinding(.failure, "cannot read the free space of \(configuration.dataDirectory)")
                }
                let free = UInt64(stats.f_bavail) &* UInt64(stats.f_frsize)
                let total = UInt64(stats.f_blocks) &* UInt64(stats.f_frsize)
                let share = total == 0 ? 0 : Double(free) / Double(total)
                let detail = "\(free / 1_048_576) MiB free of \(total / 1_048_576) MiB (\(Int(share * 100)) %) where the data folder is"
                return HealthFinding(free < 200 * 1_048_576 || share < 0.02 ? .failure : free < 2048 * 1_048_576 || share < 0.1 ? .warning : .ok, detail)
            },
            HealthCheck("clock") { now, logger in
                guard case .postgres = configuration.database else { return HealthFinding(.ok, "one machine (SQLite): the database uses this clock") }
                guard let row = try await database.sql(logger: logger).raw("SELECT extract(epoch FROM clock_timestamp())::float8 AS now").first() else {
                    throw Problem.internal()
                }
                let skew = abs(try row.decode(column: "now", as: Double.self) - Date().timeIntervalSince1970)
                let detail = String(format: "this machine and the database server differ by %.1f s", skew)
                // Deadlines, token lifetimes and the event log's times all assume one clock.
                return HealthFinding(skew > 30 ? .failure : skew > 2 ? .warning : .ok, detail)
            },
            HealthCheck("event log") { _, logger in
                let sql = try database.sql(logger: logger)
                guard let head = try await sql.raw("SELECT last_seq, last_hash FROM event_chain WHERE id = 1").first() else { throw Problem.internal() }
                let seq = try head.decode(column: "last_seq", as: Int.self)
                let hash = try head.decode(column: "last_hash", as: String.self)
                let last = try await sql.raw("SELECT hash FROM event_log WHERE seq = \(bind: seq)").first()?.decode(column: "hash", as: String.self)
                guard seq == 0 || last == hash else {
                    return HealthFinding(.failure, "the recorded head (entry \(seq)) does not match the log: run `hues audit verify`")
                }
                // The sealer chains the inbox every second, so a standing backlog means it is stuck or outrun. Counted, not
                // aged: an entry's time is when its event happened (imports carry old ones), not when it arrived.
                let waiting = try await sql.raw("SELECT count(*) AS n FROM event_inbox").first()?.decode(column: "n", as: Int.self) ?? 0
                return HealthFinding.threshold(waiting, warnAt: 1_000, failAt: 100_000,
                                               "\(seq) entries chained; \(waiting) waiting to be sealed")
            },
        ]
    }
}

extension PlatformDoctor {
    /// Reports read the replica, so it must be a standby (nothing can be written to it) and keep up. Lag is judged
    /// by what it has received and not yet replayed: a quiet primary leaves the last replay time far behind while
    /// the standby is perfectly current.
    static func replicaCheck(_ database: PlatformDatabase) -> HealthCheck {
        HealthCheck("read replica") { _, logger in
            let sql = try database.reportSQL(logger: logger)
            guard let row = try await sql.raw("""
                SELECT pg_is_in_recovery() AS standby,
                  (pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()) AS caught_up,
                  extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS lag
                """).first() else { throw Problem.internal() }
            guard try row.decode(column: "standby", as: Bool.self) else {
                return HealthFinding(.failure, "HUES_DATABASE_REPLICA_URL names a database that is not a standby: point it at a hot standby or unset it")
            }
            if try row.decode(column: "caught_up", as: Bool?.self) == true { return HealthFinding(.ok, "a standby, caught up with what it has received") }
            let lag = try row.decode(column: "lag", as: Double?.self) ?? 0
            return HealthFinding(lag > 300 ? .failure : lag > 30 ? .warning : .ok, String(format: "a standby, replaying changes %.1f s behind", lag))
        }
    }
}

extension DatabaseLocation {
    var kindName: String {
        switch self {
        case .postgres: "PostgreSQL"
        case .sqlite, .sqliteInMemory: "SQLite"
        }
    }
}
