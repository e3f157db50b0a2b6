#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A UTC calendar date and time with microseconds, the shape of MariaDB's DATETIME(6).
///
/// The conversion is plain proleptic Gregorian arithmetic (Howard Hinnant's days-from-civil),
/// which is exact, allocation-free and independent of the process time zone — the session runs
/// with `time_zone = '+00:00'`, so these fields are UTC on both sides.
struct CivilTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    var microsecond: Int

    /// The range MariaDB accepts for DATETIME.
    static let supportedYears = 1000...9999

    private static let microsecondsPerSecond: Int64 = 1_000_000
    private static let secondsPerDay: Int64 = 86_400

    /// The UTC fields of `date`, rounded to the nearest microsecond; nil outside years 1000–9999.
    init?(_ date: Date) {
        let microseconds = (date.timeIntervalSince1970 * 1_000_000).rounded()
        // ±1e18 µs is ±31,000 years: beyond the supported range (year 9999 ends at 2.5e17 µs), and
        // keeps the conversion to Int64 (±9.2e18) from trapping on huge or non-finite values.
        guard microseconds.isFinite, abs(microseconds) < 1e18 else { return nil }
        let total = Int64(microseconds)
        let (seconds, micros) = Self.floorDivide(total, Self.microsecondsPerSecond)
        let (days, secondOfDay) = Self.floorDivide(seconds, Self.secondsPerDay)

        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard Self.supportedYears.contains(Int(year)) else { return nil }

        self.year = Int(year)
        self.month = Int(month)
        self.day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        self.hour = Int(secondOfDay / 3_600)
        self.minute = Int(secondOfDay % 3_600 / 60)
        self.second = Int(secondOfDay % 60)
        self.microsecond = Int(micros)
    }

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    /// The instant these UTC fields name. Built from an integer count of microseconds so that
    /// a `Date` created from the same decimal value compares equal after a round trip.
    var date: Date {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * Self.secondsPerDay + Int64(hour * 3_600 + minute * 60 + second)
        let total = seconds * Self.microsecondsPerSecond + Int64(microsecond)
        return Date(timeIntervalSince1970: Double(total) / 1_000_000)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
