import Foundation
import Platform
import Testing

/// Hand-checked cases around Tết and the other holidays, then properties that must hold on every date.
@Suite struct WorkCalendarTests {
    let calendar: WorkCalendar

    init() throws {
        calendar = try CityProfile.demo().calendar
    }

    func at(_ date: String, _ time: String) throws -> Date {
        let day = try #require(CivilDate(date))
        let clock = try #require(LocalTime(time))
        return calendar.instant(day, clock)
    }

    func local(_ instant: Date) -> String {
        let seconds = calendar.secondsIntoDay(of: instant)
        return "\(calendar.civilDate(of: instant)) \(String(format: "%02d:%02d", seconds / 3600, seconds / 60 % 60))"
    }

    @Test func holidaysAndMakeUpDaysComeFromTheProfile() throws {
        let day = { (text: String) throws -> CivilDate in try #require(CivilDate(text)) }
        #expect(!calendar.isWorkingDay(try day("2026-02-17")))  // Tết Bính Ngọ, a Tuesday
        #expect(!calendar.isWorkingDay(try day("2026-11-24")))  // Vietnamese Culture Day, from 2026
        #expect(calendar.isWorkingDay(try day("2025-11-24")))   // …but not in 2025
        #expect(!calendar.isWorkingDay(try day("2026-04-27")))  // substitute for Hùng Kings day on a Sunday
        #expect(calendar.isWorkingDay(try day("2025-02-08")))   // a Saturday worked in exchange for 27/01/2025
        #expect(!calendar.isWorkingDay(try day("2025-01-27")))
        #expect(!calendar.isWorkingDay(try day("2026-11-28")))  // an ordinary Saturday
        #expect(calendar.reasonOff(try day("2026-02-17")) == "Tết Nguyên đán")
        #expect(calendar.covers(year: 2027))
        #expect(!calendar.covers(year: 2031))
    }

    @Test func workingDaysSkipTet() throws {
        // Received Friday 13/02/2026 10:00; 16–20/02 are Tết and 21–22 a weekend: 3 working days end Wed 25/02.
        #expect(local(calendar.due(.workingDays(3), receivedAt: try at("2026-02-13", "10:00"))) == "2026-02-25 17:00")
        // 2025: 27–31/01 off, 01–02/02 a weekend, so one working day after Friday 24/01 is Monday 03/02.
        #expect(local(calendar.due(.workingDays(1), receivedAt: try at("2025-01-24", "09:00"))) == "2025-02-03 17:00")
        // The make-up Saturday counts: one working day after Friday 07/02/2025 is Saturday 08/02.
        #expect(local(calendar.due(.workingDays(1), receivedAt: try at("2025-02-07", "10:00"))) == "2025-02-08 17:00")
    }

    @Test func afterHoursSubmissionsCountFromTheNextWorkingDay() throws {
        // Monday 23/11/2026 at 18:00; Tuesday 24/11 is a holiday, so counting starts Wednesday 25/11 07:30.
        let received = try at("2026-11-23", "18:00")
        #expect(local(calendar.countingStart(receivedAt: received)) == "2026-11-25 07:30")
        #expect(local(calendar.due(.workingDays(1), receivedAt: received)) == "2026-11-26 17:00")
        // Saturday night counts from Monday morning.
        #expect(local(calendar.countingStart(receivedAt: try at("2026-11-28", "22:15"))) == "2026-11-30 07:30")
        // Lunch break: counting starts when the afternoon session opens.
        #expect(local(calendar.countingStart(receivedAt: try at("2026-11-30", "12:10"))) == "2026-11-30 13:30")
    }

    @Test func sameDayCutOff() throws {
        let cutOff = try #require(LocalTime("15:00"))
        #expect(local(calendar.due(.workingDays(0), receivedAt: try at("2026-11-30", "10:00"), cutOff: cutOff)) == "2026-11-30 17:00")
        #expect(local(calendar.due(.workingDays(0), receivedAt: try at("2026-11-30", "15:30"), cutOff: cutOff)) == "2026-12-01 17:00")
        // Without a cut-off the same submission is still due that day.
        #expect(local(calendar.due(.workingDays(0), receivedAt: try at("2026-11-30", "15:30"))) == "2026-11-30 17:00")
    }

    @Test func calendarDaysEndingOnADayOffMoveToTheNextWorkingDay() throws {
        // 21/04/2026 + 6 days = Monday 27/04, the substitute day off: due Tuesday 28/04.
        #expect(local(calendar.due(.calendarDays(6), receivedAt: try at("2026-04-21", "09:00"))) == "2026-04-28 17:00")
        // 30 days from Thursday 29/10/2026 is Saturday 28/11: due Monday 30/11.
        #expect(local(calendar.due(.calendarDays(30), receivedAt: try at("2026-10-29", "09:00"))) == "2026-11-30 17:00")
    }

    @Test func workingHoursStayInsideOfficeHours() throws {
        // 8 working hours from Friday 11:00: 0.5 h before lunch, 3.5 h after, then 4 h on Monday morning → 11:30.
        #expect(local(calendar.due(.workingHours(8), receivedAt: try at("2026-11-27", "11:00"))) == "2026-11-30 11:30")
        #expect(local(calendar.due(.workingHours(1), receivedAt: try at("2026-11-30", "11:00"))) == "2026-11-30 14:00")
    }

    // MARK: Properties over many dates (seeded, so a failing case can be reproduced)

    func randomInstants(_ count: Int, seed: UInt64) -> [Date] {
        var generator = SeededRandom(seed: seed)
        let start = CivilDate(year: 2025, month: 1, day: 1)!.dayNumber
        let end = CivilDate(year: 2027, month: 11, day: 30)!.dayNumber
        return (0..<count).map { _ in
            let day = CivilDate(dayNumber: Int.random(in: start...end, using: &generator))
            return calendar.instant(day, secondsIntoDay: Int.random(in: 0..<86_400, using: &generator))
        }
    }

    @Test func workingDayDeadlinesLandOnTheNthWorkingDayAtClosing() {
        var generator = SeededRandom(seed: 42)
        for received in randomInstants(2000, seed: 1) {
            let days = Int.random(in: 0...30, using: &generator)
            let start = calendar.countingStart(receivedAt: received)
            let due = calendar.due(.workingDays(days), receivedAt: received)
            let dueDay = calendar.civilDate(of: due)
            #expect(calendar.isWorkingDay(dueDay), "\(received) + \(days) wd")
            #expect(calendar.secondsIntoDay(of: due) == 17 * 3600)
            #expect(calendar.workingDays(after: calendar.civilDate(of: start), through: dueDay) == days, "\(received) + \(days) wd")
            #expect(due >= start)
        }
    }

    @Test func deadlinesGrowWithTheirLength() {
        for received in randomInstants(500, seed: 2) {
            for rule in [DeadlineRule.workingDays(0), .workingHours(1), .calendarDays(1)] {
                var previous = calendar.due(rule, receivedAt: received)
                for n in 1...12 {
                    let next: DeadlineRule = switch rule {
                    case .workingDays: .workingDays(n)
                    case .workingHours: .workingHours(n + 1)
                    case .calendarDays: .calendarDays(n + 1)
                    }
                    let due = calendar.due(next, receivedAt: received)
                    #expect(due >= previous, "\(next) from \(received)")
                    previous = due
                }
            }
        }
    }

    @Test func workingHourDeadlinesContainExactlyThatMuchOfficeTime() {
        var generator = SeededRandom(seed: 7)
        for received in randomInstants(1500, seed: 3) {
            let hours = Int.random(in: 1...40, using: &generator)
            let start = calendar.countingStart(receivedAt: received)
            let due = calendar.due(.workingHours(hours), receivedAt: received)
            #expect(calendar.workingSeconds(from: start, to: due) == hours * 3600, "\(received) + \(hours) wh")
            #expect(calendar.isWorkingDay(calendar.civilDate(of: due)))
        }
    }

    @Test func calendarDayDeadlinesNeverEndOnADayOff() {
        var generator = SeededRandom(seed: 9)
        for received in randomInstants(1500, seed: 4) {
            let days = Int.random(in: 1...60, using: &generator)
            let start = calendar.civilDate(of: calendar.countingStart(receivedAt: received))
            let dueDay = calendar.civilDate(of: calendar.due(.calendarDays(days), receivedAt: received))
            #expect(calendar.isWorkingDay(dueDay))
            #expect(dueDay >= start.adding(days: days))
            // Every day between the nominal end and the actual one is a day off.
            var day = start.adding(days: days)
            while day < dueDay {
                #expect(!calendar.isWorkingDay(day), "\(day) should have been the deadline")
                day = day.adding(days: 1)
            }
        }
    }

    @Test func countingStartIsAlwaysInsideOfficeHours() {
        for received in randomInstants(3000, seed: 5) {
            let start = calendar.countingStart(receivedAt: received)
            #expect(calendar.isWithinOfficeHours(start), "\(received) → \(start)")
            #expect(start >= received)
        }
    }

    @Test func civilDatesRoundTrip() {
        for number in stride(from: -1000, through: 40_000, by: 7) {
            let date = CivilDate(dayNumber: number)
            #expect(date.dayNumber == number)
            #expect(CivilDate(date.description) == date)
        }
        #expect(CivilDate(year: 2026, month: 11, day: 29)?.isoWeekday == 7)
        #expect(CivilDate("2026-02-30") == nil)
    }
}
