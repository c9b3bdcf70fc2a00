import Foundation
import Hummingbird

/// The ceiling for the `/api/v1/me` benchmark: a bare Hummingbird server answering the same JSON shape with no
/// middleware, no authentication and no database. `Benchmarks/run.sh` loads both with wrk in the same run.
struct Me: ResponseEncodable {
    var id: String
    var username: String
    var displayName: String
    var roles: [[String: String]]
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8181 : 8181
let router = Router()
router.get("/api/v1/me") { _, _ in
    Me(id: "D2DFA571-7797-4705-9C3B-01202E105EA9", username: "officer", displayName: "Trần Văn Minh",
       roles: [["role": "officer", "unitCode": "phuong-phu-xuan"]])
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "ceiling"))
try await app.runService()
