import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Platform

/// Where and how to send email.
public struct SMTPSettings: Sendable {
    public enum Security: String, Sendable, CaseIterable {
        /// Plain SMTP (a relay on the local network, or a test server).
        case none
        /// Implicit TLS from the first byte (SMTPS, usually port 465).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    public var fromAddress: String
    public var fromName: String
    public var heloName: String

    public init(host: String, port: Int, security: Security = .none, username: String? = nil, password: String? = nil,
                fromAddress: String, fromName: String = "HueS", heloName: String = "hues.local") {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.fromAddress = fromAddress
        self.fromName = fromName
        self.heloName = heloName
    }
}

public struct SMTPError: Error, CustomStringConvertible {
    public var code: Int?
    public var message: String
    /// 5xx replies are permanent: retrying the same message will not help.
    public var isPermanent: Bool { (code ?? 0) >= 500 }
    public var description: String { code.map { "\($0) \(message)" } ?? message }
}

/// A small SMTP client (RFC 5321) on SwiftNIO: one connection per message, EHLO, optional AUTH PLAIN, one
/// recipient, DATA. Enough for a city's notices through its mail relay.
public struct SMTPClient: Sendable {
    let settings: SMTPSettings
    let group: any EventLoopGroup

    public init(settings: SMTPSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.group = group
    }

    public func send(to address: String, name: String?, subject: String, body: String) async throws {
        let message = EmailMessage(fromName: settings.fromName, fromAddress: settings.fromAddress, toName: name, toAddress: address,
                                   subject: subject, body: body)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.deliver(message) }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                throw SMTPError(code: nil, message: "the mail server did not finish within 30 seconds")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func deliver(_ message: EmailMessage) async throws {
        let settings = self.settings
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .tls {
                        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: settings.host))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var replies = ReplyReader(inbound.makeAsyncIterator())
            func command(_ line: String, expect codes: Set<Int>) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                try Self.expect(codes, try await replies.next())
            }
            try Self.expect([220], try await replies.next())
            // Addresses and names go into command lines: one that could end a line would inject commands of its own.
            guard EmailAddress.isValid(message.fromAddress), EmailAddress.isValid(message.toAddress),
                  !settings.heloName.utf8.contains(where: { $0 < 0x21 || $0 > 0x7E }) else {
                throw SMTPError(code: 553, message: "refused to send: an address or the HELO name is not a plain mailbox or host name")
            }
            try await command("EHLO \(settings.heloName)", expect: [250])
            if let username = settings.username, let password = settings.password {
                let token = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
                try await command("AUTH PLAIN \(token)", expect: [235])
            }
            try await command("MAIL FROM:<\(message.fromAddress)>", expect: [250])
            try await command("RCPT TO:<\(message.toAddress)>", expect: [250, 251])
            try await command("DATA", expect: [354])
            try await outbound.write(ByteBuffer(string: message.rendered() + "\r\n.\r\n"))
            try Self.expect([250], try await replies.next())
            try? await command("QUIT", expect: [221])
        }
    }

    static func expect(_ codes: Set<Int>, _ reply: (code: Int, text: String)) throws {
        guard codes.contains(reply.code) else { throw SMTPError(code: reply.code, message: reply.text) }
    }
}

/// Reads SMTP replies, joining multi-line ones ("250-…" lines up to "250 …").
struct ReplyReader {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var pending = ""

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    mutating func next() async throws -> (code: Int, text: String) {
        var text: [String] = []
        while true {
            let line = try await nextLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else { throw SMTPError(code: nil, message: "unreadable reply '\(line)'") }
            text.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, text.joined(separator: " ")) }
        }
    }

    private mutating func nextLine() async throws -> String {
        while true {
            if let range = pending.range(of: "\r\n") {
                let line = String(pending[..<range.lowerBound])
                pending.removeSubrange(..<range.upperBound)
                return line
            }
            guard let buffer = try await iterator.next() else { throw SMTPError(code: nil, message: "the mail server closed the connection") }
            pending += String(buffer: buffer)
        }
    }
}
