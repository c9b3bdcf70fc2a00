import Foundation

/// Vietnamese working time for one city: which days are worked, office hours, and deadlines counted in them.
///
/// Everything is computed in the city's time zone (Asia/Ho_Chi_Minh for Vietnam). Years the profile does not
/// cover fall back to "every weekday is a working day", and `covers(year:)` lets callers warn about that.
public struct WorkCalendar: Sendable {
    public let timeZone: TimeZone
    public let officeHours: [CalendarData.OfficeSession]
    private let restDays: Set<Int>
    private let daysOff: [CivilDate: CalendarData.DayOff]
    private let makeUpDays: [CivilDate: CalendarData.MakeUpDay]
    private let coveredYears: Set<Int>
    /// Office sessions as [start, end) seconds into the day, in order.
    private let sessions: [(start: Int, end: Int)]

    /// Builds a calendar, or throws every problem found in the data.
    public init(_ data: CalendarData) throws {
        var problems: [ConfigProblem] = []
        guard let zone = TimeZone(identifier: data.timeZone) else {
            throw ConfigurationError(problems: [ConfigProblem(key: "calendar.timeZone", message: "unknown time zone '\(data.timeZone)'")])
        }
        if data.officeHours.isEmpty {
            problems.append(ConfigProblem(key: "calendar.officeHours", message: "at least one office session is needed"))
        }
        var previousEnd = -1
        for session in data.officeHours {
            if session.start >= session.end {
                problems.append(ConfigProblem(key: "calendar.officeHours", message: "session \(session.start)-\(session.end) ends before it starts"))
            }
            if session.start.secondsIntoDay < previousEnd {
                problems.append(ConfigProblem(key: "calendar.officeHours", message: "sessions overlap or are out of order at \(session.start)"))
            }
            previousEnd = session.end.secondsIntoDay
        }
        let rest = Set(data.weeklyRestDays)
        if rest.contains(where: { !(1...7).contains($0) }) || rest.count >= 7 {
            problems.append(ConfigProblem(key: "calendar.weeklyRestDays", message: "must be ISO weekdays 1-7 and leave at least one working day"))
        }
        var off: [CivilDate: CalendarData.DayOff] = [:]
        var makeUp: [CivilDate: CalendarData.MakeUpDay] = [:]
        var years: Set<Int> = []
        for year in data.years {
            if !years.insert(year.year).inserted {
                problems.append(ConfigProblem(key: "calendar.years", message: "year \(year.year) is listed twice"))
            }
            for day in year.daysOff {
                if day.date.year != year.year {
                    problems.append(ConfigProblem(key: "calendar.years.\(year.year)", message: "\(day.date) (\(day.name)) is not in \(year.year)"))
                }
                if off[day.date] != nil {
                    problems.append(ConfigProblem(key: "calendar.years.\(year.year)", message: "\(day.date) is listed as a day off twice"))
                }
                off[day.date] = day
            }
            for day in year.makeUpWorkdays {
                if day.date.year != year.year {
                    problems.append(ConfigProblem(key: "calendar.years.\(year.year)", message: "make-up day \(day.date) is not in \(year.year)"))
                }
                if !rest.contains(day.date.isoWeekday) {
                    problems.append(ConfigProblem(key: "calendar.years.\(year.year)", message: "make-up day \(day.date) is not a rest day"))
                }
                if off[day.date] != nil {
                    problems.append(ConfigProblem(key: "calendar.years.\(year.year)", message: "\(day.date) is both a day off and a make-up day"))
                }
                makeUp[day.date] = day
            }
        }
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        self.timeZone = zone
        self.officeHours = data.officeHours
        self.restDays = rest
        self.daysOff = off
        self.makeUpDays = makeUp
        self.coveredYears = years
        self.sessions = data.officeHours.map { ($0.start.secondsIntoDay, $0.end.secondsIntoDay) }
    }

    // MARK: Days

    public func covers(year: Int) -> Bool { coveredYears.contains(year) }

    public func isWorkingDay(_ date: CivilDate) -> Bool {
        if makeUpDays[date] != nil { return true }
        if daysOff[date] != nil { return false }
        return !restDays.contains(date.isoWeekday)
    }

    /// Why a date is not worked (holiday name, "weekend"), or nil for a working day.
    public func reasonOff(_ date: CivilDate) -> String? {
        if makeUpDays[date] != nil { return nil }
        if let off = daysOff[date] { return off.name }
        return restDays.contains(date.isoWeekday) ? "weekly rest day" : nil
    }

    public func nextWorkingDay(after date: CivilDate) -> CivilDate {
        var day = date.adding(days: 1)
        while !isWorkingDay(day) { day = day.adding(days: 1) }
        return day
    }

    public func workingDayOnOrAfter(_ date: CivilDate) -> CivilDate {
        isWorkingDay(date) ? date : nextWorkingDay(after: date)
    }

    /// Working days in (from, to]: how many working days a deadline has moved past its start day.
    public func workingDays(after from: CivilDate, through to: CivilDate) -> Int {
        guard to > from else { return 0 }
        var count = 0
        var day = from.adding(days: 1)
        while day <= to {
            if isWorkingDay(day) { count += 1 }
            day = day.adding(days: 1)
        }
        return count
    }

    // MARK: Instants

    public func civilDate(of instant: Date) -> CivilDate {
        CivilDate(dayNumber: Int(floor(localSeconds(instant) / 86_400)))
    }

    /// Seconds since local midnight.
    public func secondsIntoDay(of instant: Date) -> Int {
        let local = localSeconds(instant)
        return Int(local - floor(local / 86_400) * 86_400)
    }

    public func instant(_ date: CivilDate, secondsIntoDay seconds: Int) -> Date {
        let localEpoch = Double(date.dayNumber * 86_400 + seconds)
        let guess = Date(timeIntervalSince1970: localEpoch - Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: localEpoch))))
        return Date(timeIntervalSince1970: localEpoch - Double(timeZone.secondsFromGMT(for: guess)))
    }

    public func instant(_ date: CivilDate, _ time: LocalTime) -> Date { instant(date, secondsIntoDay: time.secondsIntoDay) }

    /// The close of office on `date` (when a "same day" or "N working days" deadline falls).
    public func closeOfOffice(on date: CivilDate) -> Date { instant(date, secondsIntoDay: sessions[sessions.count - 1].end) }

    public func openingOfOffice(on date: CivilDate) -> Date { instant(date, secondsIntoDay: sessions[0].start) }

    public func isWithinOfficeHours(_ instant: Date) -> Bool {
        guard isWorkingDay(civilDate(of: instant)) else { return false }
        let seconds = secondsIntoDay(of: instant)
        return sessions.contains { seconds >= $0.start && seconds < $0.end }
    }

    private func localSeconds(_ instant: Date) -> Double {
        instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
    }

    // MARK: Deadlines

    /// When counting starts for something received at `receivedAt`: that moment if it is inside office hours on a
    /// working day (and before the procedure's same-day cut-off, if it has one); otherwise the next opening of the
    /// office. Online submissions at night or on a holiday therefore count from the next working day.
    public func countingStart(receivedAt: Date, cutOff: LocalTime? = nil) -> Date {
        let day = civilDate(of: receivedAt)
        let seconds = secondsIntoDay(of: receivedAt)
        if isWorkingDay(day), cutOff.map({ seconds < $0.secondsIntoDay }) ?? true {
            for session in sessions where seconds < session.end {
                return instant(day, secondsIntoDay: max(seconds, session.start))
            }
        }
        return openingOfOffice(on: nextWorkingDay(after: day))
    }

    /// The deadline for `rule` on something received at `receivedAt`.
    public func due(_ rule: DeadlineRule, receivedAt: Date, cutOff: LocalTime? = nil) -> Date {
        due(rule, countingFrom: countingStart(receivedAt: receivedAt, cutOff: cutOff))
    }

    /// The deadline for `rule` when counting starts at `start` (already inside office hours).
    public func due(_ rule: DeadlineRule, countingFrom start: Date) -> Date {
        switch rule {
        case .workingHours(let hours):
            return adding(workingSeconds: hours * 3600, to: start)
        case .workingDays(let days):
            var day = civilDate(of: start)
            for _ in 0..<days { day = nextWorkingDay(after: day) }
            return closeOfOffice(on: day)
        case .calendarDays(let days):
            return closeOfOffice(on: workingDayOnOrAfter(civilDate(of: start).adding(days: days)))
        }
    }

    /// Office time between two instants, in seconds (0 when `to` is not after `from`).
    public func workingSeconds(from: Date, to: Date) -> Int {
        guard to > from else { return 0 }
        var total = 0
        var day = civilDate(of: from)
        let lastDay = civilDate(of: to)
        while day <= lastDay {
            if isWorkingDay(day) {
                for session in sessions {
                    let start = max(instant(day, secondsIntoDay: session.start), from)
                    let end = min(instant(day, secondsIntoDay: session.end), to)
                    if end > start { total += Int((end.timeIntervalSince(start)).rounded()) }
                }
            }
            day = day.adding(days: 1)
        }
        return total
    }

    /// The instant that lies `seconds` of office time after `start`.
    public func adding(workingSeconds seconds: Int, to start: Date) -> Date {
        var remaining = max(0, seconds)
        var day = civilDate(of: start)
        var from = secondsIntoDay(of: start)
        // Ten years of days is far beyond any deadline; the bound only guards against a calendar with no working day.
        for _ in 0..<3660 {
            if isWorkingDay(day) {
                for session in sessions where from < session.end {
                    let begin = max(from, session.start)
                    let available = session.end - begin
                    if remaining <= available && (remaining > 0 || seconds == 0) {
                        return instant(day, secondsIntoDay: begin + remaining)
                    }
                    remaining -= available
                    if remaining == 0 { return instant(day, secondsIntoDay: session.end) }
                }
            }
            day = day.adding(days: 1)
            from = 0
        }
        return instant(day, secondsIntoDay: sessions[0].start)
    }
}
