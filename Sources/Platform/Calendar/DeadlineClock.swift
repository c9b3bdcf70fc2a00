import Foundation

/// A deadline that can stop while the ball is in the citizen's court (a supplement request) and restart after.
///
/// While paused the clock does not run; on resume the office time that was left when it paused is granted again
/// from the resume moment. Calendar-day deadlines move by the paused calendar time instead. How many times it was
/// paused is kept because the national on-time rule treats more than one supplement request as late.
public struct DeadlineClock: Sendable, Codable, Equatable {
    public enum ClockError: Error, Equatable, CustomStringConvertible {
        case alreadyPaused
        case notPaused
        case resumeBeforePause

        public var description: String {
            switch self {
            case .alreadyPaused: return "the clock is already paused"
            case .notPaused: return "the clock is not paused"
            case .resumeBeforePause: return "cannot resume before the moment the clock was paused"
            }
        }
    }

    public let rule: DeadlineRule
    public let startedAt: Date
    public private(set) var due: Date
    public private(set) var pausedAt: Date?
    public private(set) var pauseCount: Int
    /// Office time spent paused, in seconds (excluded from processing time).
    public private(set) var pausedWorkingSeconds: Int

    public init(rule: DeadlineRule, receivedAt: Date, cutOff: LocalTime? = nil, calendar: WorkCalendar) {
        self.rule = rule
        self.startedAt = calendar.countingStart(receivedAt: receivedAt, cutOff: cutOff)
        self.due = calendar.due(rule, countingFrom: startedAt)
        self.pausedAt = nil
        self.pauseCount = 0
        self.pausedWorkingSeconds = 0
    }

    public var isPaused: Bool { pausedAt != nil }

    public mutating func pause(at moment: Date) throws {
        guard pausedAt == nil else { throw ClockError.alreadyPaused }
        pausedAt = moment
        pauseCount += 1
    }

    public mutating func resume(at moment: Date, calendar: WorkCalendar) throws {
        guard let pausedAt else { throw ClockError.notPaused }
        guard moment >= pausedAt else { throw ClockError.resumeBeforePause }
        pausedWorkingSeconds += calendar.workingSeconds(from: pausedAt, to: moment)
        if pausedAt < due {
            switch rule {
            case .calendarDays:
                let shifted = due.addingTimeInterval(moment.timeIntervalSince(pausedAt))
                due = calendar.closeOfOffice(on: calendar.workingDayOnOrAfter(calendar.civilDate(of: shifted)))
            case .workingDays, .workingHours:
                let left = calendar.workingSeconds(from: pausedAt, to: due)
                due = calendar.adding(workingSeconds: left, to: calendar.countingStart(receivedAt: moment))
            }
        }
        self.pausedAt = nil
    }

    /// Overdue means the deadline passed while the clock was running.
    public func isOverdue(at moment: Date) -> Bool {
        if let pausedAt { return pausedAt > due }
        return moment > due
    }

    /// Office time left before the deadline (negative once overdue).
    public func remainingWorkingSeconds(at moment: Date, calendar: WorkCalendar) -> Int {
        let now = pausedAt ?? moment
        return now <= due ? calendar.workingSeconds(from: now, to: due) : -calendar.workingSeconds(from: due, to: now)
    }
}
