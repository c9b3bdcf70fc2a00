import Foundation
import Platform
import Testing

@Suite struct CityProfileTests {
    @Test func theDemoProfileIsHueSinceJuly2025() throws {
        let profile = try CityProfile.demo()
        #expect(profile.city.name == "Thành phố Huế")
        #expect(profile.units.filter { $0.kind == .ward }.count == 21)
        #expect(profile.units.filter { $0.kind == .commune }.count == 19)
        #expect(profile.units.contains { $0.code == "phuong-phu-xuan" && $0.name == "Phường Phú Xuân" })
        #expect(profile.units.contains { $0.name == "Xã Chân Mây - Lăng Cô" })
        #expect(profile.calendar.covers(year: 2025) && profile.calendar.covers(year: 2026) && profile.calendar.covers(year: 2027))
    }

    @Test func aBrokenProfileIsRefusedWithEveryProblem() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try #"{"code":"x","name":"X"}"#.write(to: folder.appendingPathComponent("city.json"), atomically: true, encoding: .utf8)
        try #"{"units":[{"code":"a","name":"A","kind":"province"},{"code":"b","name":"B","kind":"ward","parent":"nope"},{"code":"a","name":"A2","kind":"ward","parent":"a"}]}"#
            .write(to: folder.appendingPathComponent("units.json"), atomically: true, encoding: .utf8)
        try #"{"timeZone":"Asia/Ho_Chi_Minh","weeklyRestDays":[6,7],"officeHours":[{"start":"17:00","end":"08:00"}],"years":[{"year":2026,"status":"x","daysOff":[{"date":"2025-01-01","name":"wrong year","kind":"holiday"}],"makeUpWorkdays":[{"date":"2026-03-04","name":"a Wednesday"}]}]}"#
            .write(to: folder.appendingPathComponent("calendar.json"), atomically: true, encoding: .utf8)
        do {
            _ = try CityProfile.load(from: folder)
            Issue.record("a broken profile was accepted")
        } catch let error as ConfigurationError {
            let messages = error.problems.map(\.message).joined(separator: "\n")
            #expect(messages.contains("unknown parent 'nope'"))
            #expect(messages.contains("'a' is used twice"))
            #expect(messages.contains("ends before it starts"))
            #expect(messages.contains("is not in 2026"))
            #expect(messages.contains("is not a rest day"))
            #expect(error.problems.count >= 5)
        }
    }
}
