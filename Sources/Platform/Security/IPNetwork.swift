/// An IPv4 or IPv6 network in CIDR form (`10.0.0.0/8`, `fd00::/8`, or a single address), for trusted proxies and
/// for the private ranges outbound requests must not reach. Addresses are compared as 16 bytes (IPv4 mapped into
/// `::ffff:0:0/96`), so an IPv4 address arriving as `::ffff:10.1.2.3` is still inside `10.0.0.0/8`.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: [UInt8]
    public let prefixLength: Int
    public let description: String

    public init?(cidr text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = IPNetwork.bytes(of: String(parts[0])) else { return nil }
        let isV4 = !parts[0].contains(":")
        let maximum = isV4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard let parsed = BoundedInteger.parse(parts[1], in: 0...maximum) else { return nil }
            length = parsed
        }
        self.prefixLength = isV4 ? 96 + length : length
        self.address = IPNetwork.masked(bytes, prefixLength: prefixLength)
        self.description = trimmed
    }

    /// Whether `ip` (an address as text, IPv4 or IPv6) lies inside this network.
    public func contains(_ ip: String) -> Bool {
        guard let bytes = IPNetwork.bytes(of: ip) else { return false }
        return IPNetwork.masked(bytes, prefixLength: prefixLength) == address
    }

    /// Who a per-address budget belongs to: an IPv4 address, or an IPv6 address's /64 (one subscriber line is
    /// usually given a whole /64, so counting single IPv6 addresses would hand an attacker billions of budgets).
    public static func budgetKey(_ ip: String) -> String {
        guard ip.contains(":"), let bytes = bytes(of: ip), !bytes[0..<12].elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) else { return ip }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":") + "::/64"
    }

    /// A list such as `10.0.0.0/8, 192.168.1.7`; the entries that do not parse come back separately.
    public static func list(_ text: String) -> (networks: [IPNetwork], invalid: [String]) {
        var networks: [IPNetwork] = []
        var invalid: [String] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if let network = IPNetwork(cidr: entry) { networks.append(network) } else { invalid.append(entry) }
        }
        return (networks, invalid)
    }

    /// Ranges no request the platform makes on someone else's behalf may reach: loopback, private, link-local
    /// (cloud metadata at 169.254.169.254), carrier-grade NAT, benchmarking, multicast, reserved, and their IPv6 kin.
    public static let nonPublic: [IPNetwork] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "64:ff9b::/96", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
    ].compactMap { IPNetwork(cidr: $0) }

    /// 16 bytes for an IPv4 (mapped) or IPv6 address written as text; nil for anything else.
    public static func bytes(of text: String) -> [UInt8]? {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        if !text.contains(":") { return v4(text).map { [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + $0 } }
        return v6(text)
    }

    private static func v4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            // No leading zeros: "012" is 12 here but octal 10 to getaddrinfo, and the two must never disagree.
            guard (1...3).contains(part.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), part.count == 1 || part.first != "0",
                  let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func v6(_ text: Substring) -> [UInt8]? {
        guard text.utf8.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    guard let tail = v4(piece) else { return nil }
                    bytes += tail
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
                }
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 16 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    private static func masked(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bits = min(max(prefixLength - index * 8, 0), 8)
            return bits == 8 ? byte : byte & UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
    }
}
