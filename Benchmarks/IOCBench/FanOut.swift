import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// 6. Live-stream fan-out: `screens` wall screens hold `/api/v1/live?topics=operations.figures` open (each from its
/// own address, as behind the city's proxy), a citizen files a report `rounds` times, and each time this measures
/// how long until every screen heard that the figures moved, and until each had fetched the new board, as the wall's
/// script does. Every latency counts from the moment the filing was sent.
func fanOut(screens: Int, rounds: Int) async throws {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = screens + 16
    configuration.timeout.read = nil
    let streams = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    let board = FanOutBoard(screens: screens)
    let started = ContinuousClock.now
    let listeners = (0..<screens).map { screen in
        Task { try await listen(screen: screen, client: streams, board: board) }
    }
    while board.connected < screens {
        guard started.duration(to: .now) < .seconds(120) else { say("fan-out: only \(board.connected) of \(screens) screens connected"); exit(1) }
        try await Task.sleep(for: .milliseconds(50))
    }
    say("fan-out: \(screens) screens connected in \(figure(milliseconds(started.duration(to: .now)))) ms; process RSS \(residentMegabytes()) MB")
    // A citizen may file ten reports in ten minutes: one citizen for every ten filings.
    let citizens = try await citizenTokens(count: (rounds + 9) / 10)
    for round in 0..<rounds {
        let citizen = citizens[round / 10]
        board.begin(round)
        let latitude = 16.440 + Double(round % 10) * 0.003, longitude = 107.570 + Double(round / 10) * 0.003
        _ = try await post("/api/v1/field-reports", token: citizen, body: #"""
            {"category":"road-damage","latitude":\#(latitude),"longitude":\#(longitude),"description":"Ổ gà số \#(round) trên đường","answers":{"size":"large"},"photos":[]}
            """#)
        let deadline = ContinuousClock.now + .seconds(30)
        while board.fetched(round) < screens, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(1500))
    }
    let (heard, fetched) = board.samples()
    say("fan-out to \(screens) screens, \(rounds) filings: change heard by \(heard.count)/\(screens * rounds): p50 \(figure(percentile(heard, 0.5))) ms, "
        + "p99 \(figure(percentile(heard, 0.99))) ms, max \(figure(heard.max() ?? 0)) ms; board fetched by \(fetched.count): p50 \(figure(percentile(fetched, 0.5))) ms, "
        + "p99 \(figure(percentile(fetched, 0.99))) ms, max \(figure(fetched.max() ?? 0)) ms; RSS \(residentMegabytes()) MB")
    for listener in listeners { listener.cancel() }
    try await streams.shutdown()
}

/// One screen: its stream, and on each change the board, fetched on the same client's pool.
@Sendable func listen(screen: Int, client: HTTPClient, board: FanOutBoard) async throws {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/live?topics=operations.figures")
    request.headers.add(name: "X-Forwarded-For", value: "10.\(screen / 65_536 % 256).\(screen / 256 % 256).\(screen % 256)")
    let response = try await client.execute(request, timeout: .hours(2))
    for try await chunk in response.body {
        let text = String(buffer: chunk)
        if text.hasPrefix("retry:") { board.connect() }
        guard text.contains("event: change"), let round = board.heard(screen) else { continue }
        var fetch = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/operations/indicators")
        fetch.headers.add(name: "Authorization", value: "Bearer \(token)")
        let answer = try await client.execute(fetch, timeout: .seconds(60))
        _ = try await answer.body.collect(upTo: 16 << 20)
        board.fetch(round)
    }
}

/// Who heard what, when.
final class FanOutBoard: Sendable {
    struct State {
        var connected = 0
        var round = -1
        var startedAt = ContinuousClock.now
        var lastHeard: [Int]
        var heard: [Double] = []
        var fetched: [Int: [Double]] = [:]
    }

    let state: Mutex<State>

    init(screens: Int) { state = Mutex(State(lastHeard: Array(repeating: -1, count: screens))) }

    var connected: Int { state.withLock { $0.connected } }
    func connect() { state.withLock { $0.connected += 1 } }
    func begin(_ round: Int) { state.withLock { $0.round = round; $0.startedAt = .now } }

    /// The round a screen heard of, the first time it hears of it (later changes of the same round are not counted).
    func heard(_ screen: Int) -> Int? {
        state.withLock { state in
            guard state.round >= 0, state.lastHeard[screen] < state.round else { return nil }
            state.lastHeard[screen] = state.round
            state.heard.append(milliseconds(state.startedAt.duration(to: .now)))
            return state.round
        }
    }

    func fetch(_ round: Int) {
        state.withLock { state in state.fetched[round, default: []].append(milliseconds(state.startedAt.duration(to: .now))) }
    }

    func fetched(_ round: Int) -> Int { state.withLock { $0.fetched[round]?.count ?? 0 } }
    func samples() -> ([Double], [Double]) { state.withLock { ($0.heard, $0.fetched.values.flatMap { $0 }) } }
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func residentMegabytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
    return (line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0) / 1024
}

/// Opens `count` citizen accounts (as the demo admin) and signs each in.
func citizenTokens(count: Int) async throws -> [String] {
    func signIn(_ username: String, _ password: String) async throws -> String {
        let answer = try await post("/api/v1/auth/token", token: nil, body: #"{"username":"\#(username)","password":"\#(password)"}"#)
        return (try JSONSerialization.jsonObject(with: Data(buffer: answer)) as? [String: Any])?["access_token"] as? String ?? ""
    }
    let admin = try await signIn("admin", "demo-admin-2026")
    var tokens: [String] = []
    for index in 0..<count {
        let username = "bench-citizen-\(index)-\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await post("/api/v1/accounts", token: admin,
                           body: #"{"username":"\#(username)","displayName":"Người dân \#(index)","password":"a-long-password-2026","kind":"citizen"}"#)
        tokens.append(try await signIn(username, "a-long-password-2026"))
    }
    return tokens
}

/// A POST to the platform's own API (not the broker's), failing the run on anything but success.
func post(_ path: String, token: String?, body: String) async throws -> ByteBuffer {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await http.execute(request, timeout: .seconds(30))
    let answer = try await response.body.collect(upTo: 1 << 20)
    guard (200..<300).contains(response.status.code) else {
        say("POST \(path): \(response.status.code) \(String(buffer: answer).prefix(300))")
        exit(1)
    }
    return answer
}
