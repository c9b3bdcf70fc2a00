import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Platform
import SecurityOperations
import Testing

/// The syslog listeners on real sockets: a datagram and a TCP stream (octet counting, newline framing, then a broken
/// count that closes the connection) become events of the sender's unit; what does not read is kept as malformed.
@Suite struct SyslogListenerTests {
    static let kaspersky = "<134>Dec  3 08:15:02 av-console CEF:0|Kaspersky Lab|Security Center|14.2|GNRL_EV_VIRUS_FOUND|Virus found|High|dhost=pc-px-031 act=Quarantined fname=invoice.pdf.exe"
    static let sshd = "<38>1 2026-12-03T01:15:02.003Z gw-01 sshd 77 - - Failed password for root from 203.0.113.9"

    @Test func datagramsAndStreamsBecomeEventsOfTheSendersUnit() async throws {
        try await TestApp.run(configure: { $0.security.sources = [.init(network: "127.0.0.0/8", unit: "phuong-phu-xuan")] }) { client, runtime in
            let module = try runtime.require(SecurityOperationsModule.self)
            let (ports, continuation) = AsyncStream<(Int?, Int?)>.makeStream()
            let listener = SyslogListener(host: "127.0.0.1", udpPort: 0, tcpPort: 0, intake: module.syslog, logger: runtime.logger) { udp, tcp in
                continuation.yield((udp, tcp))
            }
            let running = Task { try await listener.run() }
            var iterator = ports.makeAsyncIterator()
            let bound = try #require(await iterator.next())
            let (udpPort, tcpPort) = (try #require(bound.0), try #require(bound.1))

            let group = MultiThreadedEventLoopGroup.singleton
            let udp = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: udpPort)
            try await udp.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: Self.kaspersky))).get()
            try await udp.close().get()

            let tcp = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: tcpPort).get()
            let counted = "\(Self.sshd.utf8.count) \(Self.sshd)"
            try await tcp.writeAndFlush(ByteBuffer(string: counted + "<13>Dec  3 08:16:00 pc-9 app: hello\n9999999 broken")).get()
            try await tcp.closeFuture.get()  // the broken count closes the connection from the listener's side

            // The background round may take them in first; either way, all four are stored.
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            var events: [[String: AnyCodable]] = []
            for _ in 0..<100 where events.count < 4 {
                try await module.flushSyslog(logger: runtime.logger)
                events = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/events?unit=phuong-phu-xuan", token: soc))
                if events.count < 4 { try await Task.sleep(for: .milliseconds(50)) }
            }
            running.cancel()
            #expect(events.count == 4, "\(events.map { $0["raw"]?.string ?? "" })")
            let av = events.first { $0["source"]?.string == "cef" }
            #expect(av?["host"]?.string == "pc-px-031" && av?["type"]?.string == "denied" && av?["fields"]?["observer.ip"]?.string == "127.0.0.1")
            #expect(events.contains { $0["fields"]?["process.name"]?.string == "sshd" && $0["host"]?.string == "gw-01" })
            #expect(events.contains { $0["malformed"]?.string?.contains("framing broke") == true })
        }
    }

    @Test func anUnmappedSenderIsUnassigned() {
        let intake = SyslogIntake(sources: [.init(network: "10.20.0.0/16", unit: "phuong-phu-xuan")], timeZone: .gmt, clock: Date.init)
        intake.accept(Array("<13>hello".utf8), from: "10.20.1.2")
        intake.accept(Array("<13>hello".utf8), from: "192.0.2.1")
        #expect(intake.waiting == 2)
        #expect(intake.unitOf("10.20.1.2") == "phuong-phu-xuan" && intake.unitOf("192.0.2.1") == SyslogIntake.unassigned)
    }
}
