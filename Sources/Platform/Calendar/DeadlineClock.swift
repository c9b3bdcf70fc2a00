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
    /// The deadline as the law set it, before any extension (form 04). It moves with pauses like `due` does, but
    /// never with an extension: the national on-time rule measures against it.
    public private(set) var legalDue: Date
    public private(set) var extensionCount: Int

    public init(rule: DeadlineRule, receivedAt: Date, cutOff: LocalTime? = nil, calendar: WorkCalendar) {
        self.rule = rule
        self.startedAt = calendar.countingStart(receivedAt: receivedAt, cutOff: cutOff)
        self.due = calendar.due(rule, countingFrom: startedAt)
        self.legalDue = due
        self.pausedAt = nil
        self.pauseCount = 0
        self.pausedWorkingSeconds = 0
        self.extensionCount = 0
    }

    /// Re-dates the deadline (an apology letter with an extension); the legal deadline stays where it was.
    public mutating func extend(by rule: DeadlineRule, at moment: Date, calendar: WorkCalendar) {
        let from = max(due, moment)
        // Counted from the current deadline: two more working days after a Tuesday deadline end on Thursday.
        switch rule {
        case .workingHours(let hours): due = calendar.adding(workingSeconds: hours * 3600, to: from)
        case .workingDays(let days):
            var day = calendar.civilDate(of: from)
            for _ in 0..<days { day = calendar.nextWorkingDay(after: day) }
            due = calendar.closeOfOffice(on: day)
        case .calendarDays(let days):
            due = calendar.closeOfOffice(on: calendar.workingDayOnOrAfter(calendar.civilDate(of: from).adding(days: days)))
        }
        extensionCount += 1
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
        due = shifted(due, pausedAt: pausedAt, resumedAt: moment, calendar: calendar)
        legalDue = shifted(legalDue, pausedAt: pausedAt, resumedAt: moment, calendar: calendar)
        self.pausedAt = nil
    }

    private func shifted(_ deadline: Date, pausedAt: Date, resumedAt moment: Date, calendar: WorkCalendar) -> Date {
        guard pausedAt < deadline else { return deadline }
        switch rule {
        case .calendarDays:
            let moved = deadline.addingTimeInterval(moment.timeIntervalSince(pausedAt))
            return calendar.closeOfOffice(on: calendar.workingDayOnOrAfter(calendar.civilDate(of: moved)))
        case .workingDays, .workingHours:
            let left = calendar.workingSeconds(from: pausedAt, to: deadline)
            return calendar.adding(workingSeconds: left, to: calendar.countingStart(receivedAt: moment))
        }
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
