import Foundation
import Platform
import Testing

/// What a live figure reads from an event's payload: whole numbers within ±10¹², whatever was written.
struct LiveEventTests {
    func event(_ value: JSONValue) -> LiveEvent {
        LiveEvent(type: "t", subject: nil, unit: nil, actor: nil, occurredAt: Date(), payload: ["amount": value])
    }

    @Test func wholeNumbersAreReadWithinBoundsAndNothingElseTraps() {
        #expect(event(.number(150_000)).whole("amount") == 150_000)
        #expect(event(.string("-250000")).whole("amount") == -250_000)
        #expect(event(.string("1000000000000")).whole("amount") == LiveEvent.largestWhole)
        // Int64.min read from digits: abs() of it would trap, and it is far out of bounds anyway.
        for text in ["-9223372036854775808", "9223372036854775807", "1000000000001", "99999999999999999999", "1.5", "", "0x10"] {
            #expect(event(.string(text)).whole("amount") == nil, "\(text)")
        }
        for number in [1.5, 1e16, -1e300, .infinity, .nan] {
            #expect(event(.number(number)).whole("amount") == nil, "\(number)")
        }
        #expect(event(.bool(true)).whole("amount") == nil && event(.null).whole("missing") == nil)
    }
}
