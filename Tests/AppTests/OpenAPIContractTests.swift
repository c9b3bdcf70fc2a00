import App
import Foundation
import Hummingbird
import HummingbirdTesting
import Platform
import Testing

/// The served contract and the code cannot drift: every /api/v1 route is documented with its method, and every
/// documented operation exists.
@Suite struct OpenAPIContractTests {
    @Test func theContractMatchesTheRoutes() async throws {
        try await TestApp.run { client, runtime in
            let response = try await client.send(.get, "/openapi.json")
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented: Set<String> = []
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let served = Set(try routeCatalog(runtime: runtime).all.filter { $0.path.hasPrefix("/api/v1/") }.map { route in
                let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                return "\(route.method.rawValue) /\(path)"
            })
            #expect(served.subtracting(documented).isEmpty, "undocumented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        }
    }
}
