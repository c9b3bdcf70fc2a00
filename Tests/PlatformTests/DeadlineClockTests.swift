import Foundation
import Platform
import Testing

@Suite struct DeadlineClockTests {
    let calendar: WorkCalendar

    init() throws {
        calendar = try CityProfile.demo().calendar
    }

    func at(_ date: String, _ time: String) throws -> Date {
        calendar.instant(try #require(CivilDate(date)), try #require(LocalTime(time)))
    }

    @Test func pausingForASupplementGivesTheRemainingTimeBack() throws {
        // 5 working days from Monday 30/11/2026 09:00: due Monday 07/12 17:00.
        var clock = DeadlineClock(rule: .workingDays(5), receivedAt: try at("2026-11-30", "09:00"), calendar: calendar)
        #expect(clock.due == (try at("2026-12-07", "17:00")))
        let left = calendar.workingSeconds(from: try at("2026-12-02", "09:00"), to: clock.due)
        try clock.pause(at: try at("2026-12-02", "09:00"))
        #expect(clock.isPaused)
        #expect(!clock.isOverdue(at: try at("2026-12-20", "09:00")), "a paused clock is never overdue")
        try clock.resume(at: try at("2026-12-09", "09:00"), calendar: calendar)
        #expect(calendar.workingSeconds(from: try at("2026-12-09", "09:00"), to: clock.due) == left)
        #expect(clock.pauseCount == 1)
        // Wed 6 h + Thu, Fri, Mon, Tue 7.5 h each + Wed 1.5 h = 37.5 h of office time spent waiting.
        #expect(clock.pausedWorkingSeconds == 135_000)
    }

    @Test func aPauseOverAWeekendOnlyCostsNothing() throws {
        var clock = DeadlineClock(rule: .workingDays(2), receivedAt: try at("2026-11-26", "09:00"), calendar: calendar)
        let due = clock.due
        try clock.pause(at: try at("2026-11-27", "17:30"))
        try clock.resume(at: try at("2026-11-30", "07:00"), calendar: calendar)
        #expect(clock.due == due)
        #expect(clock.pausedWorkingSeconds == 0)
    }

    @Test func calendarDayDeadlinesMoveByThePausedDays() throws {
        var clock = DeadlineClock(rule: .calendarDays(10), receivedAt: try at("2026-11-02", "09:00"), calendar: calendar)
        #expect(clock.due == (try at("2026-11-12", "17:00")))
        try clock.pause(at: try at("2026-11-05", "10:00"))
        try clock.resume(at: try at("2026-11-09", "10:00"), calendar: calendar)
        #expect(clock.due == (try at("2026-11-16", "17:00")))
    }

    @Test func misuseIsRefused() throws {
        var clock = DeadlineClock(rule: .workingHours(4), receivedAt: try at("2026-11-30", "08:00"), calendar: calendar)
        #expect(throws: DeadlineClock.ClockError.notPaused) { try clock.resume(at: Date(), calendar: calendar) }
        try clock.pause(at: try at("2026-11-30", "09:00"))
        #expect(throws: DeadlineClock.ClockError.alreadyPaused) { try clock.pause(at: Date()) }
        #expect(throws: DeadlineClock.ClockError.resumeBeforePause) { try clock.resume(at: try at("2026-11-30", "08:30"), calendar: calendar) }
    }

    @Test func overdueAndRemainingTime() throws {
        let clock = DeadlineClock(rule: .workingHours(2), receivedAt: try at("2026-11-30", "08:00"), calendar: calendar)
        #expect(clock.due == (try at("2026-11-30", "10:00")))
        #expect(!clock.isOverdue(at: try at("2026-11-30", "09:59")))
        #expect(clock.isOverdue(at: try at("2026-11-30", "10:01")))
        #expect(clock.remainingWorkingSeconds(at: try at("2026-11-30", "09:00"), calendar: calendar) == 3600)
        #expect(clock.remainingWorkingSeconds(at: try at("2026-11-30", "14:30"), calendar: calendar) == -(5400 + 3600))
    }
}
