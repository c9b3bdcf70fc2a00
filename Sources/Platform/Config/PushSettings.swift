import Foundation

/// Web Push to the browsers people subscribe (RFC 8030/8291/8292). A push service is an address a browser hands the
/// platform, so it is called only on public addresses unless the operator names private networks (a test's local
/// push service, a city's own relay).
public struct PushSettings: Sendable, Equatable {
    /// Who runs this server, for push services that need to reach its operator (VAPID `sub`): mailto: or https:.
    /// Nil: derived from the public URL.
    public var contact: String?
    public var allowedNetworks: [IPNetwork] = []
    /// Whether push services may be spoken to over plain http (only on the allowed private networks: a local test).
    public var allowPlainHTTP = false

    public init() {}

    /// The VAPID subject for a server at `publicBaseURL`.
    public func subject(publicBaseURL: String) -> String {
        if let contact { return contact }
        if publicBaseURL.hasPrefix("https://") { return publicBaseURL }
        return "mailto:operator@\(URL(string: publicBaseURL)?.host ?? "localhost")"
    }

    package static func read(_ values: [String: String]) -> (PushSettings, [ConfigProblem]) {
        var settings = PushSettings()
        var problems: [ConfigProblem] = []
        if let contact = values["HUES_PUSH_CONTACT"], !contact.isEmpty {
            if (contact.hasPrefix("mailto:") && contact.utf8.count > 8) || contact.hasPrefix("https://"), !contact.contains(" ") {
                settings.contact = contact
            } else {
                problems.append(ConfigProblem(key: "HUES_PUSH_CONTACT", message: "'\(contact)' is not a mailto: or https: URL"))
            }
        }
        if let raw = values["HUES_PUSH_ALLOWED_NETWORKS"], !raw.isEmpty {
            let parsed = IPNetwork.list(raw)
            for entry in parsed.invalid {
                problems.append(ConfigProblem(key: "HUES_PUSH_ALLOWED_NETWORKS", message: "'\(entry)' is not an IP address or CIDR network"))
            }
            settings.allowedNetworks = parsed.networks
            // A push service on a network the operator named is theirs; plain http is acceptable there and nowhere else.
            settings.allowPlainHTTP = !parsed.networks.isEmpty
        }
        return (settings, problems)
    }
}
