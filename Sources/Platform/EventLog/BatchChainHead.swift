import Synchronization

/// The chain's head as the SQLite writer sees it during one batch: read once, advanced in memory by each append, and
/// written back once before the batch commits, instead of a read and a write of the head row per event. A caller
/// whose savepoint is rolled back has its advance undone with it (`mark`/`rewind`), so the head always names the
/// last entry that will commit.
final class BatchChainHead: Sendable {
    struct Head: Sendable, Equatable {
        var seq: Int
        var hash: String
    }

    /// Set by the SQLite writer for the bodies of one batch; nil elsewhere (PostgreSQL, migrations, tests' raw writes).
    @TaskLocal static var current: BatchChainHead?

    private let state = Mutex<(head: Head?, moved: Bool)>((nil, false))

    var known: Head? { state.withLock { $0.head } }

    func learn(_ head: Head) { state.withLock { if $0.head == nil { $0.head = head } } }

    func advance(to head: Head) { state.withLock { $0 = (head, true) } }

    /// The head to write back before COMMIT, when any entry was appended.
    var moved: Head? { state.withLock { $0.moved ? $0.head : nil } }

    func mark() -> (head: Head?, moved: Bool) { state.withLock { $0 } }

    func rewind(to mark: (head: Head?, moved: Bool)) { state.withLock { $0 = mark } }
}
