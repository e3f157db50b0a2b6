import Foundation
import HTTP
import Testing

@Suite struct TimestampTests {
    /// The arithmetic agrees with `Date.ISO8601FormatStyle` over the whole accepted range: its ends,
    /// leap days, century years, fractions of a second just under the next one, and random times.
    @Test func formattingMatchesTheFormatStyle() {
        var generator = SystemRandomNumberGenerator()
        let upper = Timestamp.range.upperBound.timeIntervalSince1970
        var moments: [Double] = [
            0, 0.999_999, 59.5, 86_399.999, 86_400, 951_782_400, 951_868_799.75, 4_107_542_400, 4_107_628_800,
            1_789_948_800, 253_402_300_799, 253_402_300_799.999,
        ]
        for _ in 0..<20_000 {
            moments.append(Double.random(in: 0...upper, using: &generator))
            moments.append(Double(Int.random(in: 0...Int(upper), using: &generator)))
        }
        for moment in moments {
            let date = Date(timeIntervalSince1970: moment)
            #expect(Timestamp.format(date) == Date.ISO8601FormatStyle().format(date), "\(moment)")
        }
        // Outside the range the format style itself answers.
        let early = Date(timeIntervalSince1970: -86_400.5)
        #expect(Timestamp.format(early) == Date.ISO8601FormatStyle().format(early))
    }
}
