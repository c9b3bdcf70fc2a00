import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The SOC's syslog listeners on the city network: UDP (a datagram a message) and TCP (RFC 6587 framing, bounded per
/// connection). Every byte is hostile: nothing is parsed on the event loop, messages go to the bounded intake, and
/// a connection whose framing breaks is closed.
public struct SyslogListener: Service {
    let host: String
    /// nil: off; 0: any free port.
    let udpPort: Int?
    let tcpPort: Int?
    let intake: SyslogIntake
    let logger: Logger
    /// Bound ports, for tests that ask for port 0.
    let bound: @Sendable (_ udp: Int?, _ tcp: Int?) -> Void
    public static let maximumConnections = 2_000
    let connections = ConnectionCount(limit: SyslogListener.maximumConnections)

    public init(host: String, udpPort: Int?, tcpPort: Int?, intake: SyslogIntake, logger: Logger,
                bound: @escaping @Sendable (Int?, Int?) -> Void = { _, _ in }) {
        (self.host, self.udpPort, self.tcpPort, self.intake, self.logger, self.bound) = (host, udpPort, tcpPort, intake, logger, bound)
    }

    public func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        var channels: [any Channel] = []
        let intake = intake
        var udp: Int? = nil
        var tcp: Int? = nil
        if let udpPort {
            let channel = try await DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                .channelInitializer { channel in channel.pipeline.addHandler(SyslogDatagramHandler(intake: intake)) }
                .bind(host: host, port: udpPort).get()
            udp = channel.localAddress?.port
            channels.append(channel)
        }
        if let tcpPort {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2_048, maximum: 65_536))
                .childChannelInitializer { [connections] channel in
                    // Bounded: at most `maximumConnections` at once (each holds up to 64 KiB of framing), and one that
                    // sends no whole frame for a minute is closed, so idle or trickling senders cannot hold them all.
                    guard connections.open() else { return channel.close() }
                    channel.closeFuture.whenComplete { _ in connections.close() }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(60)))
                        try channel.pipeline.syncOperations.addHandler(SyslogStreamHandler(intake: intake))
                    }
                }
                .bind(host: host, port: tcpPort).get()
            tcp = channel.localAddress?.port
            channels.append(channel)
        }
        logger.info("syslog listeners", metadata: ["udp": "\(udp.map(String.init) ?? "off")", "tcp": "\(tcp.map(String.init) ?? "off")"])
        bound(udp, tcp)
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled rather than shut down gracefully (a test, or the service group torn down): close all the same.
            logger.debug("syslog listeners cancelled", metadata: ["reason": "\(error)"])
        }
        for channel in channels {
            do {
                try await channel.close().get()
            } catch {
                logger.warning("a syslog listener did not close cleanly", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Open TCP connections, refused past the limit (counted).
final class ConnectionCount: Sendable {
    private let count = Mutex(0)
    let limit: Int
    private let refused = Counter(label: "hues_soc_syslog_connections_refused_total")

    init(limit: Int) { self.limit = limit }

    func open() -> Bool {
        let admitted = count.withLock { open -> Bool in
            guard open < limit else { return false }
            open += 1
            return true
        }
        if !admitted { refused.increment() }
        return admitted
    }

    func close() { count.withLock { $0 = max(0, $0 - 1) } }
}

/// One datagram, one message (RFC 5426).
final class SyslogDatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let intake: SyslogIntake

    init(intake: SyslogIntake) { self.intake = intake }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return }
        intake.accept(bytes, from: envelope.remoteAddress.ipAddress ?? "unknown")
    }
}

/// A TCP connection's stream, framed; a broken count closes it (no later boundary can be trusted).
final class SyslogStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let intake: SyslogIntake
    private var framing = SyslogFraming()

    init(intake: SyslogIntake) { self.intake = intake }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        let sender = context.remoteAddress?.ipAddress ?? "unknown"
        let (frames, broken) = framing.read(bytes)
        for frame in frames {
            switch frame {
            case .message(let message): intake.accept(message, from: sender)
            case .oversized(let prefix): intake.accept(prefix, from: sender, refused: "a line longer than the 64 KiB limit (its start kept)")
            }
        }
        if let broken {
            intake.accept(Array(bytes.prefix(256)), from: sender, refused: "the stream's framing broke (\(broken.reason)); connection closed")
            context.close(promise: nil)
        }
    }
}
