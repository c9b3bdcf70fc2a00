import Foundation
@testable import Platform
import Testing

/// What travels between instances, and what a NOTIFY from anyone else who can reach the database is allowed to do.
@Suite struct ChangeBroadcastTests {
    @Test func messagesStayUnderPostgresLimitAndCarryEveryType() {
        let types = Set((0..<2000).map { "field-report.kind-\($0)" })
        let messages = ChangeBroadcast.messages(types, from: "host-1-abcd")
        #expect(messages.count > 1 && messages.allSatisfy { $0.utf8.count < 8000 })
        let back = messages.flatMap { ChangeBroadcast.parse($0, ownInstance: "other", namespaces: ["field-report"]) ?? [] }
        #expect(Set(back) == types)
    }

    @Test func ownMessagesForeignNamespacesAndJunkAreIgnored() {
        let namespaces: Set<Substring> = ["field-report", "workflow"]
        #expect(ChangeBroadcast.parse("me|field-report.filed", ownInstance: "me", namespaces: namespaces) == nil)
        #expect(ChangeBroadcast.parse("no bar at all", ownInstance: "me", namespaces: namespaces) == nil)
        let parsed = ChangeBroadcast.parse("them|field-report.filed,intruder.x,workflow.transitioned,Field-Report.X,field-report.\(String(repeating: "a", count: 300)),",
                                           ownInstance: "me", namespaces: namespaces)
        #expect(parsed == ["field-report.filed", "workflow.transitioned"])
    }

    @Test func personalDataKindsNeverReachAStream() async throws {
        let changes = ChangeTopics()
        let subscription = changes.subscribe(to: ["workflow", "field-report"])
        changes.received(["workflow.personal-data.erased", "field-report.filed", "identity.account.created"])
        changes.unsubscribe(subscription.id)
        var seen: [String] = []
        for await type in subscription.types { seen.append(type) }
        #expect(seen == ["field-report.filed"])
    }
}

/// Live-stream places: bounded per address and per instance, and given back exactly once.
@Suite struct LiveStreamOpeningsTests {
    @Test func anAddressHoldsAtMostItsShareAndLeavingFreesIt() {
        let openings = LiveChangeStream.Openings()
        let granted = (0..<25).filter { _ in openings.enter("203.0.113.7") }.count
        #expect(granted == LiveChangeStream.Openings.perAddress)
        #expect(openings.enter("203.0.113.8"), "another address is not held back")
        openings.leave("203.0.113.7")
        #expect(openings.enter("203.0.113.7"))
        // Leaving for an address that holds nothing changes nothing (no count goes below zero).
        openings.leave("198.51.100.1")
        #expect(openings.open.withLock { $0.total } == LiveChangeStream.Openings.perAddress + 1)
        do { let slot = LiveChangeStream.Slot(openings, "203.0.113.8"); _ = slot }
        #expect(openings.open.withLock { $0.byAddress["203.0.113.8"] } == nil, "a slot gives its place back when it goes")
    }
}
