import Foundation
import Logging
import Metrics
import Platform
import Synchronization

/// `PATCH …/attrs` requests that arrive while others are being written wait here and are written together, in
/// one transaction with one read of their entities, one write of the documents and one of the readings.
///
/// Why: the database's group commit already shares one commit among concurrent writers, but each writer still ran
/// its own statements on SQLite's single writer thread (six for one PATCH, each parsed afresh by SQLite, the
/// document upsert with its triggers), and that thread is what limits single-entity updates. A sensor gateway
/// sends many small PATCHes at once, so the group, not the request, is what the writer should pay for.
final class PatchGroups: Sendable {
    struct Patch: Sendable {
        let id: String
        let members: [String: JSONValue]
        let linkContext: String?
        /// When the request arrived: its readings without their own time were observed then, as if written alone.
        let receivedAt: Date
        let logger: Logger
    }

    struct Waiting: Sendable {
        let patch: Patch
        let continuation: CheckedContinuation<NGSIBroker.Outcome, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writers = 0
        var largest = 0
        /// For tests: no group starts until this many patches wait.
        var gather = 0
    }

    /// Enough to share the statements well; bounded so one transaction stays short.
    static let maximum = 256
    /// Past this many waiting, a patch is answered 503 at once rather than queued behind minutes of work.
    static let maximumWaiting = 8 * maximum
    private static let groupSize = Recorder(label: "hues_ngsi_patch_group_size")
    private let state = Mutex(State())
    /// Groups written at once: one on SQLite (its single writer commits them in turn anyway); a few on PostgreSQL,
    /// so a group waiting on a row lock does not hold every other PATCH up.
    private let concurrentGroups: Int

    init(concurrentGroups: Int) {
        self.concurrentGroups = max(1, concurrentGroups)
    }

    /// The largest group written so far (for tests and metrics).
    var largestGroup: Int { state.withLock { $0.largest } }

    /// For tests: the next group waits until `count` patches are queued, so a test knows what was written together.
    func gatherNext(_ count: Int) { state.withLock { $0.gather = count } }

    /// Queues `patch`; a request that finds fewer groups being written than allowed starts a task that writes
    /// groups until none wait.
    func submit(_ patch: Patch, write: @escaping @Sendable ([Patch]) async -> [Result<NGSIBroker.Outcome, any Error>]) async throws
        -> NGSIBroker.Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool? in
                guard state.waiting.count < Self.maximumWaiting else { return nil }
                state.waiting.append(Waiting(patch: patch, continuation: continuation))
                guard state.writers < concurrentGroups, state.waiting.count >= state.gather else { return false }
                state.writers += 1
                state.gather = 0
                return true
            }
            switch start {
            case nil: continuation.resume(throwing: Problem.unavailable(detail: "Too many updates are waiting to be written; try again shortly."))
            // Detached: a client that hangs up must not cancel a write others' answers wait on, nor lend it its context.
            case true?: Task.detached { await self.drain(write) }
            case false?: break
            }
        }
    }

    private func drain(_ write: @Sendable ([Patch]) async -> [Result<NGSIBroker.Outcome, any Error>]) async {
        while let group = next() {
            Self.groupSize.record(group.count)
            let answers = await write(group.map(\.patch))
            for (waiting, answer) in zip(group, answers) { waiting.continuation.resume(with: answer) }
            // A writer answers every patch; one it did not would wait forever, so it hears so.
            for waiting in group.dropFirst(answers.count) { waiting.continuation.resume(throwing: Problem.internal()) }
        }
    }

    private func next() -> [Waiting]? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.writers -= 1
                return nil
            }
            let group = Array(state.waiting.prefix(Self.maximum))
            state.waiting.removeFirst(group.count)
            state.largest = max(state.largest, group.count)
            return group
        }
    }
}
