import App
import Foundation
import HTTPTypes
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import NIOCore
import Platform
import Synchronization
import Testing

/// A migrated runtime with the demo city and demo accounts on a database of its own, served through the router.
struct TestApp {
    /// `setup: .live` serves on a real port (the peer is then 127.0.0.1); `logger` sees everything the app logs.
    static func run(
        setup: TestingSetup = .router,
        logger: Logger = Logger(label: "hues"),
        clock: TestClock? = nil,
        configure: (inout HuesConfiguration) -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol, HuesRuntime) async throws -> Void
    ) async throws {
        try await TestDatabase.using { test in
            var configuration = HuesConfiguration.testing(dataDirectory: test.folder, database: test.location)
            configure(&configuration)
            let now: @Sendable () -> Date = if let clock { { clock.now } } else { Date.init }
            let runtime = try await HuesRuntime.make(configuration: configuration, logger: logger, clock: now)
            do {
                try await runtime.migrate()
                _ = try await runtime.seedDemo(includingHistory: false)
                let app = try await buildApplication(runtime: runtime)
                try await app.test(setup) { client in try await body(client, runtime) }
            } catch {
                await runtime.database.shutdown()
                throw error
            }
            await runtime.database.shutdown()
        }
    }
}

extension TestClientProtocol {
    func json<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try JSONDecoder.api.decode(T.self, from: Data(buffer: response.body))
    }

    /// Signs in through the API and returns the access and refresh tokens.
    func signIn(_ username: String, _ password: String) async throws -> (access: String, refresh: String) {
        try await execute(uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "application/json"],
                          body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#)) { response in
            #expect(response.status == .ok, "sign-in of \(username): \(String(buffer: response.body))")
            let tokens = try JSONDecoder().decode([String: AnyCodable].self, from: Data(buffer: response.body))
            return (tokens["access_token"]?.string ?? "", tokens["refresh_token"]?.string ?? "")
        }
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil, headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { $0 }
    }
}

/// Enough of JSON to read a field without declaring a type for every response.
struct AnyCodable: Decodable {
    let value: Any?

    var string: String? { value as? String }
    var int: Int? { value as? Int }
    var bool: Bool? { value as? Bool }
    var array: [AnyCodable]? { value as? [AnyCodable] }
    var object: [String: AnyCodable]? { value as? [String: AnyCodable] }
    subscript(_ key: String) -> AnyCodable? { object?[key] }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { value = nil }
        else if let bool = try? container.decode(Bool.self) { value = bool }
        else if let int = try? container.decode(Int.self) { value = int }
        else if let double = try? container.decode(Double.self) { value = double }
        else if let string = try? container.decode(String.self) { value = string }
        else if let array = try? container.decode([AnyCodable].self) { value = array }
        else { value = try container.decode([String: AnyCodable].self) }
    }
}

func body(_ response: TestResponse) -> String { String(buffer: response.body) }

func problem(_ response: TestResponse) throws -> [String: AnyCodable] {
    #expect(response.headers[.contentType] == "application/problem+json")
    return try JSONDecoder().decode([String: AnyCodable].self, from: Data(buffer: response.body))
}

/// The demo accounts, one per role.
enum Demo {
    static let passwords: [String: String] = Dictionary(uniqueKeysWithValues: DemoAccounts.logins.map { ($0.account.username, $0.account.password) })
    static let usernameForRole: [Role: String] = [
        .admin: "admin", .citizen: "citizen", .business: "business", .officer: "officer", .unitLeader: "leader", .iocOperator: "ioc",
        .socAnalyst: "soc", .sensorGateway: "gateway",
    ]
}

/// The value of `name` in a response's Set-Cookie headers.
func cookie(_ name: String, in response: TestResponse) -> String? {
    for header in response.headers[values: .setCookie] where header.hasPrefix("\(name)=") {
        return String(header.dropFirst(name.count + 1).prefix { $0 != ";" })
    }
    return nil
}

func hiddenCSRF(in html: String) -> String? {
    guard let range = html.range(of: #"name="_csrf" value=""#) else { return nil }
    return String(html[range.upperBound...].prefix { $0 != "\"" })
}

func postForm(_ client: some TestClientProtocol, _ uri: String, _ fields: String, cookies: String, headers: HTTPFields = [:]) async throws
    -> TestResponse
{
    var headers = headers
    headers[.contentType] = "application/x-www-form-urlencoded"
    headers[.cookie] = cookies
    return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: fields)) { $0 }
}

/// Signs in through the login page and returns the session cookie.
func browserSession(_ client: some TestClientProtocol, _ username: String) async throws -> String {
    let csrf = "csrf-\(username)-test-token"
    let response = try await postForm(client, "/login", "_csrf=\(csrf)&username=\(username)&password=\(Demo.passwords[username] ?? "")",
                                      cookies: "hues_csrf=\(csrf)")
    #expect(response.status == .seeOther)
    return try #require(cookie("hues_session", in: response))
}

func formEncode(_ fields: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
}

/// The query parameters of a redirect's Location.
func queryItems(_ location: String?) -> [String: String] {
    guard let location, let components = URLComponents(string: location) else { return [:] }
    return Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
}

/// The decoded claims of a JWT (signature not checked: the tests check what the token says).
func jwtClaims(_ token: String) throws -> [String: AnyCodable] {
    let parts = token.split(separator: ".")
    #expect(parts.count == 3)
    var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while payload.count % 4 != 0 { payload += "=" }
    return try JSONDecoder().decode([String: AnyCodable].self, from: try #require(Data(base64Encoded: payload)))
}

