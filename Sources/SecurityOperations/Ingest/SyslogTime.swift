import Foundation

/// Times in syslog headers, read from digits into a `Date` by arithmetic (no formatter, no locale): every part is
/// checked against its range first, so the sums stay small.
enum SyslogTime {
    /// Seconds since 1970 of a civil date and time at a UTC offset, or nil when a part is out of range.
    static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, fraction: Double = 0, offset: Int = 0) -> Date? {
        guard (1...9999).contains(year), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second), abs(offset) <= 24 * 3600 else { return nil }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// RFC 5424 `2026-12-03T08:15:02.123+07:00` (fractions to six digits, `Z` or an offset).
    static func rfc5424(_ reader: inout ByteReader) -> Date? {
        guard let year = reader.number(digits: 4), reader.expect(UInt8(ascii: "-")), let month = reader.number(digits: 2),
              reader.expect(UInt8(ascii: "-")), let day = reader.number(digits: 2), reader.expect(UInt8(ascii: "T")),
              let hour = reader.number(digits: 2), reader.expect(UInt8(ascii: ":")), let minute = reader.number(digits: 2),
              reader.expect(UInt8(ascii: ":")), let second = reader.number(digits: 2) else { return nil }
        var fraction = 0.0
        if reader.expect(UInt8(ascii: ".")) {
            var scale = 0.1, digits = 0
            while let byte = reader.peek(), let digit = ByteReader.digit(byte) {
                guard digits < 6 else { return nil }
                fraction += Double(digit) * scale
                scale /= 10
                digits += 1
                reader.skip(1)
            }
            guard digits > 0 else { return nil }
        }
        var offset = 0
        if !reader.expect(UInt8(ascii: "Z")) {
            guard let sign = reader.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
            reader.skip(1)
            guard let hours = reader.number(digits: 2), reader.expect(UInt8(ascii: ":")), let minutes = reader.number(digits: 2),
                  hours <= 23, minutes <= 59 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second, fraction: fraction, offset: offset)
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map { Array($0.utf8) }

    /// RFC 3164 `Oct 11 22:14:15` (the day may be space-padded): no year and no zone, so the year is the one that
    /// puts it nearest before `receivedAt` and the zone is the city's.
    static func rfc3164(_ reader: inout ByteReader, timeZone: TimeZone, receivedAt: Date) -> Date? {
        var probe = reader
        guard let name = probe.token(limit: 3), let month = months.firstIndex(of: name).map({ $0 + 1 }), probe.expect(UInt8(ascii: " ")) else { return nil }
        _ = probe.expect(UInt8(ascii: " "))
        var day = 0
        for _ in 0..<2 {
            guard let byte = probe.peek(), let digit = ByteReader.digit(byte) else { break }
            day = day * 10 + digit
            probe.skip(1)
        }
        guard probe.expect(UInt8(ascii: " ")), let hour = probe.number(digits: 2), probe.expect(UInt8(ascii: ":")),
              let minute = probe.number(digits: 2), probe.expect(UInt8(ascii: ":")), let second = probe.number(digits: 2) else { return nil }
        let offset = timeZone.secondsFromGMT(for: receivedAt)
        let received = Calendar(identifier: .gregorian).dateComponents(in: timeZone, from: receivedAt).year ?? 2000
        for year in [received, received - 1] {
            // A day ahead at most (a sender's clock a little fast); otherwise it was last year's (December in January).
            if let moment = date(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: offset),
               moment <= receivedAt.addingTimeInterval(86_400) {
                reader = probe
                return moment
            }
        }
        return nil
    }
}
