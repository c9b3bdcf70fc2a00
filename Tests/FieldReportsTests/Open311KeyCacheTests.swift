import Foundation
import Testing

@testable import FieldReports

/// Remembered Open311 keys: gone on any key event, and after their lifetime even if no event is ever heard of.
@Suite struct Open311KeyCacheTests {
    let client = Open311Clients.Client(id: UUID(), name: "CRM", keyPrefix: "o311_abcde", createdBy: "admin", createdAt: Date(), revokedAt: nil)

    @Test func aKeptKeyIsForgottenWhenAKeyEventMovesTheGeneration() {
        let cache = Open311KeyCache()
        cache.keep(client, digest: "d1", readAt: [3, 0], current: [3, 0])
        #expect(cache.client(digest: "d1", at: [3, 0]) == client)
        #expect(cache.client(digest: "d1", at: [4, 0]) == nil)
        // A read that began before the event is not kept after it.
        cache.keep(client, digest: "d2", readAt: [4, 0], current: [5, 0])
        #expect(cache.client(digest: "d2", at: [5, 0]) == nil)
    }

    @Test func aKeptKeyIsReadAgainAfterItsLifetimeSoARevocationNobodyHeardOfTakesEffect() {
        let cache = Open311KeyCache(lifetime: .seconds(10))
        let start = ContinuousClock.now
        cache.keep(client, digest: "d1", readAt: [1], current: [1], at: start)
        #expect(cache.client(digest: "d1", at: [1], now: start.advanced(by: .seconds(9))) == client)
        #expect(cache.client(digest: "d1", at: [1], now: start.advanced(by: .seconds(11))) == nil)
    }

    @Test func atMostCapacityKeysAreKeptAndExpiredOnesMakeRoom() {
        let cache = Open311KeyCache(capacity: 2, lifetime: .seconds(10))
        let start = ContinuousClock.now
        cache.keep(client, digest: "a", readAt: [1], current: [1], at: start)
        cache.keep(client, digest: "b", readAt: [1], current: [1], at: start)
        cache.keep(client, digest: "c", readAt: [1], current: [1], at: start)
        #expect(cache.client(digest: "c", at: [1], now: start) == nil)
        cache.keep(client, digest: "c", readAt: [1], current: [1], at: start.advanced(by: .seconds(11)))
        #expect(cache.client(digest: "c", at: [1], now: start.advanced(by: .seconds(12))) == client)
    }
}
