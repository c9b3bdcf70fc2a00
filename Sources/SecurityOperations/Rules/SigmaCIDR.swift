import Foundation

/// An IPv4 or IPv6 network from a `|cidr` value; addresses in events are read strictly (`inet_pton`), so text that
/// is not an address never matches. Not the platform's `IPNetwork`: that one maps IPv4 into IPv6 (`::ffff:10.1.2.3`
/// is in 10/8 there, as proxies need), while rules, like the reference they are checked against, keep the families
/// apart.
struct SigmaCIDR: Sendable {
    let network: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = Self.address(String(parts[0])) else { return nil }
        let bits = address.count * 8
        if parts.count == 2 {
            guard parts[1].count <= 3, parts[1].allSatisfy(\.isASCII), let prefix = Int(parts[1]),
                  (0...bits).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            self.prefix = bits
        }
        network = address
    }

    func contains(_ text: String) -> Bool {
        guard text.utf8.count <= 45, let address = Self.address(text), address.count == network.count else {
            return false
        }
        var remaining = prefix
        for index in network.indices where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if address[index] & mask != network[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    static func address(_ text: String) -> [UInt8]? {
        if text.utf8.contains(UInt8(ascii: ":")) {
            var storage = in6_addr()
            guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
            return withUnsafeBytes(of: &storage) { Array($0) }
        }
        var storage = in_addr()
        guard inet_pton(AF_INET, text, &storage) == 1 else { return nil }
        return withUnsafeBytes(of: &storage) { Array($0) }
    }
}
