import Metrics

/// Back-pressure for the ingest path: at most `capacity` batches in hand at once. A batch that finds the gate full is
/// shed (the sender is told to retry later) and counted, so an overload costs events the sender still holds,
/// never the server's memory.
public actor IngestGate {
    public let capacity: Int
    private var inHand = 0
    private let shed = Counter(label: "hues_soc_events_total", dimensions: [("outcome", "shed")])
    private let shedBatches = Counter(label: "hues_soc_batches_shed_total")

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// False when full; the caller then sheds the batch (`events` events, when it knows how many).
    public func enter(events: Int) -> Bool {
        guard inHand < capacity else {
            shedBatches.increment()
            if events > 0 { shed.increment(by: Int64(events)) }
            return false
        }
        inHand += 1
        return true
    }

    public func leave() { inHand = max(0, inHand - 1) }
}
