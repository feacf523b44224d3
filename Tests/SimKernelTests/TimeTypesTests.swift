import Foundation
import SimKernel
import Testing

/// The time types keep instants and durations apart without changing what is printed,
/// hashed or stored: the bare nanosecond count.
@Suite struct TimeTypesTests {
    @Test func instantsDifferByDurations() {
        let a = SimTime.seconds(90)
        let b = a + Time.ms(250)
        #expect(b - a == Time.ms(250))
        #expect(b - Time.ms(250) == a)
        #expect(b.sinceStart == Time.s(90) + Time.ms(250))
        #expect(SimTime(sinceStart: Time.min(2)) == SimTime.minutes(2))
        #expect(Time.s(10) / Time.s(3) == 3)
        #expect(Time.s(10) % Time.s(3) == Time.s(1))
        #expect(Time.s(1).scaled(by: 0.25) == Time.ms(250))
        #expect(Time.s(1).multipliedReportingOverflow(by: .max).overflow)
    }

    @Test func printedAndStoredAsNanoseconds() throws {
        #expect("\(SimTime.milliseconds(3))" == "3000000")
        #expect("\(Time.ns(-17))" == "-17")
        #expect(Time.format(SimTime.seconds(61)) == Time.format(Time.s(61)))
        let encoded = try JSONEncoder().encode([SimTime.seconds(1)])
        #expect(String(decoding: encoded, as: UTF8.self) == "[1000000000]")
        #expect(try JSONDecoder().decode([SimDuration].self, from: Data("[-5]".utf8)) == [Time.ns(-5)])
    }
}
