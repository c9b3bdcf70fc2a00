/// The calendar as a city profile writes it (`calendar.json`): office hours and, per year, the days off and the
/// make-up working days the government announced. Nothing here is computed: Vietnam confirms its holiday plan
/// yearly (Labour Code 2019 Art. 112), so each year is data with its status and source.
public struct CalendarData: Codable, Sendable {
    public struct OfficeSession: Codable, Sendable, Equatable {
        public var start: LocalTime
        public var end: LocalTime
    }

    public struct DayOff: Codable, Sendable {
        public enum Kind: String, Codable, Sendable {
            /// A public holiday (Labour Code Art. 112(1)).
            case holiday
            /// A day off given because a holiday fell on the weekly rest day (Art. 112(3)).
            case substitute
            /// A working day moved to a Saturday so a holiday bridge is continuous; paired with a make-up day.
            case swapped
        }

        public var date: CivilDate
        public var name: String
        public var kind: Kind
    }

    public struct MakeUpDay: Codable, Sendable {
        public var date: CivilDate
        public var name: String
    }

    public struct Year: Codable, Sendable {
        public var year: Int
        /// `confirmed` (announced by the government), `announced` (reported, awaiting the formal notice), `provisional`.
        public var status: String
        public var source: String?
        public var daysOff: [DayOff]
        public var makeUpWorkdays: [MakeUpDay]
    }

    public var timeZone: String
    /// ISO weekdays that are rest days (6 = Saturday, 7 = Sunday).
    public var weeklyRestDays: [Int]
    public var officeHours: [OfficeSession]
    public var years: [Year]
}
