import Foundation
import HuesTestSupport
import Platform
import Testing

extension CommandLineTests {
    @Test func open311KeysFromTheCommandLine() async throws {
        try await TestDatabase.using { test in
            let environment = cliEnvironment(test)
            #expect(try await hues(["migrate"], environment: environment).status == 0)
            let issued = try await hues(["reports", "open311-key", "Tổng đài 1022"], environment: environment)
            #expect(issued.status == 0 && issued.output.contains("api_key o311_"), "\(issued.output)")
            let id = try #require(issued.output.split(separator: "\n").first { $0.hasPrefix("client ") }?.split(separator: " ").dropFirst().first)
            let listed = try await hues(["reports", "open311-keys"], environment: environment)
            #expect(listed.output.contains("active") && listed.output.contains("Tổng đài 1022"))
            #expect(try await hues(["reports", "revoke-key", String(id)], environment: environment).output.contains("revoked Tổng đài 1022"))
            #expect(try await hues(["reports", "open311-keys"], environment: environment).output.contains("revoked"))
            #expect(try await hues(["reports", "revoke-key", "not-an-id"], environment: environment).status == 65)
            #expect(try await hues(["reports", "sweep"], environment: environment).output.contains("closed 0 settled reports"))
        }
    }
}
