import Metrics

/// Back-pressure for the ingest path: at most `capacity` batches in hand at once. A batch that finds the gate full is
/// shed (the sender is told to retry later) and counted, so an overload costs events the sender still holds,
/// never the server's memory.
///
/// Units' log shippers (HTTP with a key) may hold all but `reserved` places: the city's syslog and the platform's own
/// signals always find one, so a unit posting as fast as it can cannot crowd out what the listeners took in.
public actor IngestGate {
    /// Who is asking: a unit's shipper over HTTP, or the server's own intake (syslog listeners, platform signals).
    public enum Lane: String, Sendable {
        case shipper, intake
    }

    public let capacity: Int
    public let reserved: Int
    private var inHand = 0
    private let shed = Counter(label: "hues_soc_events_total", dimensions: [("outcome", "shed")])
    private let shedShipper = Counter(label: "hues_soc_batches_shed_total", dimensions: [("lane", "shipper")])
    private let shedIntake = Counter(label: "hues_soc_batches_shed_total", dimensions: [("lane", "intake")])

    public init(capacity: Int, reserved: Int = 2) {
        self.capacity = max(1, capacity)
        self.reserved = min(max(0, reserved), max(1, capacity) - 1)
    }

    /// False when full for `lane`; the caller then sheds the batch (`events` events, when it knows how many).
    public func enter(events: Int, lane: Lane = .shipper) -> Bool {
        let limit = lane == .shipper ? capacity - reserved : capacity
        guard inHand < limit else {
            (lane == .shipper ? shedShipper : shedIntake).increment()
            if events > 0 { shed.increment(by: Int64(events)) }
            return false
        }
        inHand += 1
        return true
    }

    public func leave() { inHand = max(0, inHand - 1) }
}
