import SecurityOperations
import Testing

/// Shippers posting as fast as they can leave the server's own intake (syslog, platform signals) its places.
struct IngestGateTests {
    @Test func shippersCannotTakeThePlacesKeptForTheIntake() async {
        let gate = IngestGate(capacity: 8)
        var shippers = 0
        while await gate.enter(events: 10, lane: .shipper) { shippers += 1 }
        #expect(shippers == 6)
        #expect(await gate.enter(events: 10, lane: .intake))
        #expect(await gate.enter(events: 10, lane: .intake))
        #expect(await gate.enter(events: 10, lane: .intake) == false, "full for everyone at capacity")
        // A place given back by the intake is not one a shipper may take while six are still in hand.
        await gate.leave()
        #expect(await gate.enter(events: 10, lane: .shipper) == false)
        await gate.leave()
        await gate.leave()
        #expect(await gate.enter(events: 10, lane: .shipper))
    }

    @Test func aGateOfOnePlaceStillServesShippers() async {
        let gate = IngestGate(capacity: 1, reserved: 5)
        #expect(await gate.enter(events: 1, lane: .shipper))
        #expect(await gate.enter(events: 1, lane: .intake) == false)
    }
}
