import Foundation
import Synchronization

/// A clock a test moves by hand, so expiry and lapses are tested without waiting for time to pass.
public final class TestClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date()) {
        current = Mutex(start)
    }

    public var now: Date { current.withLock { $0 } }

    /// The clock as services take it.
    public var reading: @Sendable () -> Date { { [self] in now } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
