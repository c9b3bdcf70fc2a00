import Foundation
import Logging

/// Everything the platform reads from its environment, validated as a whole.
///
/// Settings come from `HUES_*` environment variables, optionally preceded by a `KEY=VALUE` file named by
/// `HUES_CONFIG_FILE` (environment variables win). `load` never stops at the first mistake: it returns every problem
/// so `hues config check` can show them all at once.
public struct HuesConfiguration: Sendable {
    public var mode: RunMode
    public var host: String
    public var port: Int
    public var publicBaseURL: String
    public var dataDirectory: String
    public var database: DatabaseLocation
    /// Base64 of 32 bytes. `nil` means "generate into the data directory" (demo and development only).
    public var masterKeyBase64: String?
    /// A folder holding a city profile; `nil` means the bundled demo city (Hue).
    public var cityProfilePath: String?
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var maxBodyBytes: Int
    public var passwordHashCost: Int
    public var accessTokenLifetime: Duration
    public var refreshTokenLifetime: Duration
    public var webSessionLifetime: Duration
    public var loginFailuresBeforeLockout: Int
    /// Sign-in and token requests per minute from one address.
    public var signInRateLimit: Int
    /// Outgoing email for notices; no host means notices stay in the inbox only.
    public var smtpHost: String?
    public var smtpPort: Int
    public var smtpSecurity: String
    public var smtpUsername: String?
    public var smtpPassword: String?
    public var smtpFrom: String
    public var noticePollSeconds: Int
    /// How often overdue cases are escalated; 0 turns the sweep off (tests run it themselves).
    public var escalationSeconds: Int
    /// How often unpaid payment attempts and overdue invoices expire and webhooks are sent; 0 turns it off (tests).
    public var paymentsSweepSeconds: Int = 5
    /// How often the event log's head is signed as a published checkpoint (0 = never).
    public var auditCheckpointSeconds: Int = 300
    /// The key the bank signs its payment confirmations with (HMAC-SHA256); derived from the master key when unset.
    public var bankWebhookSecret: String?
    /// Proxies whose `Forwarded`/`X-Forwarded-For` headers are believed (the TLS proxy in front of the platform).
    public var trustedProxies: [IPNetwork] = []
    /// The demo bank and the demo national identity provider: on only in demo mode unless asked for, never in production.
    public var demoIntegrations: Bool = false
    /// Private networks webhook subscribers may live on (by default only public addresses are called).
    public var webhookAllowedNetworks: [IPNetwork] = []
    /// Days sensor readings are kept as sent before they are rolled up into hourly figures, and days those are kept.
    public var sensorRawDays = 30
    public var sensorHourlyDays = 730
    /// Numeric sensor attributes indexed for `q` comparisons and counts (`HUES_NGSI_NUMBER_INDEXES`).
    public var ngsiNumberIndexes: [SensorNumberIndex] = SensorNumberIndex.defaults
    /// Modules this city leaves out (`field-reports`, `payments`…): their tables, pages, links and API are absent.
    public var modulesOff: Set<String> = []
    /// Map tiles and the Leaflet library the pages' maps use.
    public var map = MapSettings()
    /// Web Push: the operator's contact for push services, and the private networks push services may be on.
    public var push = PushSettings()
    /// A PostgreSQL streaming replica for report reads (aggregates that may lag a moment); nil: the primary.
    public var databaseReplicaURL: String?
    /// Per-route rate limits and daily quotas per client, from the rules file `HUES_RATE_LIMITS` names.
    public var rateLimits = RateLimitSettings()
    public var security = SecuritySettings()

    /// Every setting with its meaning; the README's configuration table is written from this list.
    public static let settings: [(key: String, meaning: String, defaultValue: String)] = [
        ("HUES_MODE", "demo | development | production", "development"),
        ("HUES_HOST", "address to listen on", "127.0.0.1"),
        ("HUES_PORT", "port to listen on", "8080"),
        ("HUES_PUBLIC_URL", "public base URL (token issuer, links in pages)", "http://HOST:PORT"),
        ("HUES_DATA_DIR", "data directory: SQLite file, generated keys", "./.hues"),
        ("HUES_DATABASE_URL", "sqlite:PATH, sqlite::memory: or postgres://user:pass@host:port/db", "sqlite:DATA_DIR/hues.sqlite"),
        ("HUES_DATABASE_REPLICA_URL", "postgres:// URL of a streaming read replica that report aggregates read from", "none (the primary)"),
        ("HUES_MASTER_KEY", "base64 of 32 random bytes; encrypts secrets at rest (required in production)", "generated in DATA_DIR/master.key"),
        ("HUES_CITY_PROFILE", "folder with the city profile (city.json, units.json, calendar.json)", "bundled Hue profile"),
        ("HUES_LOG_LEVEL", "trace | debug | info | notice | warning | error | critical", "info"),
        ("HUES_LOG_FORMAT", "json | text", "json"),
        ("HUES_MAX_BODY_SIZE", "largest request body in bytes", "10485760"),
        ("HUES_SENSOR_RAW_DAYS", "days sensor readings are kept as sent, then rolled up into hourly figures (1-3650)", "30"),
        ("HUES_SENSOR_HOURLY_DAYS", "days the hourly figures of sensor readings are kept (1-36500)", "730"),
        ("HUES_NGSI_NUMBER_INDEXES", "numeric sensor attributes to index for q comparisons and counts: TYPE=ATTRIBUTE[~BAND],… or none (each makes that type's writes dearer)",
         "AirQualityObserved=pm25~10,TrafficFlowObserved=intensity~10,WaterLevelObserved=waterLevel~0.1"),
        ("HUES_SOC_RULES", "the city's own Sigma rule folders, colon-separated, loaded beside the shipped rules", "none"),
        ("HUES_SYSLOG_UDP_PORT", "port of the SOC's syslog listener over UDP (RFC 5424/3164, CEF); 0 is off", "0"),
        ("HUES_SYSLOG_TCP_PORT", "port of the SOC's syslog listener over TCP (octet counting or newline framing); 0 is off", "0"),
        ("HUES_SYSLOG_HOST", "address the syslog listeners bind to", "0.0.0.0"),
        ("HUES_SOC_RETENTION_DAYS", "days the SOC keeps stored events with their raw bytes (7-3650); incidents and alerts stay", "180"),
        ("HUES_SYSLOG_SOURCES", "which unit each sending network is: NETWORK=UNIT,… (10.20.0.0/16=phuong-phu-xuan); others are 'unassigned'", "none"),
        ("HUES_PASSWORD_HASH_COST", "bcrypt cost, 10-16", "12"),
        ("HUES_ACCESS_TOKEN_TTL", "access token lifetime in seconds", "600"),
        ("HUES_REFRESH_TOKEN_TTL", "refresh token lifetime in seconds", "2592000"),
        ("HUES_SESSION_TTL", "web session lifetime in seconds", "43200"),
        ("HUES_LOGIN_MAX_FAILURES", "failed logins before the account is locked for a while", "5"),
        ("HUES_SIGN_IN_RATE_LIMIT", "sign-in and token requests per minute from one address", "30"),
        ("HUES_SMTP_HOST", "mail relay for notice emails (unset: inbox only)", "unset"),
        ("HUES_SMTP_PORT", "mail relay port", "25"),
        ("HUES_SMTP_TLS", "none | tls (implicit TLS, e.g. port 465)", "none"),
        ("HUES_SMTP_USERNAME", "mail relay user (AUTH PLAIN), if it needs one", "unset"),
        ("HUES_SMTP_PASSWORD", "mail relay password", "unset"),
        ("HUES_SMTP_FROM", "sender address of notice emails", "no-reply@hues.example"),
        ("HUES_NOTICE_POLL_SECONDS", "how often pending notice emails are sent", "5"),
        ("HUES_ESCALATION_SECONDS", "how often overdue dossiers and field reports are escalated and settled reports closed (0 = never)", "60"),
        ("HUES_PAYMENTS_SWEEP_SECONDS", "how often payments expire, and webhooks to subscribed services are sent (0 = never)", "5"),
        ("HUES_AUDIT_CHECKPOINT_SECONDS", "how often the event log's head is signed and published as a checkpoint (0 = never)", "300"),
        ("HUES_BANK_WEBHOOK_SECRET", "shared secret the bank signs payment confirmations with (at least 32 characters)", "derived from the master key"),
        ("HUES_TRUSTED_PROXIES", "comma-separated addresses or CIDRs of the proxies in front of the platform; their Forwarded / X-Forwarded-For is believed", "none"),
        ("HUES_DEMO_INTEGRATIONS", "on | off: the demo bank and demo national identity provider (never in production)", "on in demo mode, else off"),
        ("HUES_WEBHOOK_ALLOWED_NETWORKS", "comma-separated CIDRs of private networks webhook subscribers may be on", "none (public addresses only)"),
        ("HUES_MODULES_OFF", "comma-separated modules this city leaves out (notices, catalog, public-services, signatures, payments, field-reports)", "none"),
        ("HUES_MAP_TILES", "tile URL for the maps ({z}, {x}, {y}), or none: wards and reports on a blank background", MapSettings.openStreetMap),
        ("HUES_MAP_ATTRIBUTION", "the tile server's attribution, shown on every map", "© OpenStreetMap contributors"),
        ("HUES_LEAFLET_DIR", "folder with Leaflet and its marker-cluster plugin (apt-get install libjs-leaflet libjs-leaflet.markercluster)",
         "/usr/share/javascript/leaflet"),
        ("HUES_PUSH_CONTACT", "mailto: or https: contact push services can reach the operator at (VAPID subject)",
         "the public URL if https, else mailto:operator@HOST"),
        ("HUES_PUSH_ALLOWED_NETWORKS", "comma-separated CIDRs of private networks push services may be on (plain http allowed there)",
         "none (public https push services only)"),
        ("HUES_RATE_LIMITS", "JSON file of per-route rate limits and daily quotas per client (docs/operations.md)", "none"),
        ("HUES_CONFIG_FILE", "optional KEY=VALUE file read before the environment", "none"),
    ]

    /// Loads and validates; returns the configuration only when there is no error (warnings are allowed).
    public static func load(environment: [String: String]) -> (configuration: HuesConfiguration?, problems: [ConfigProblem]) {
        var (values, problems) = readValues(environment)

        var reader = SettingReader(values: values)
        let mode = reader.choice("HUES_MODE", default: RunMode.development)
        let host = reader.string("HUES_HOST", default: "127.0.0.1")
        let port = reader.integer("HUES_PORT", default: 8080, range: 0...65535)
        let dataDirectory = reader.string("HUES_DATA_DIR", default: "./.hues")
        let publicBaseURL = reader.string("HUES_PUBLIC_URL", default: "http://\(host == "0.0.0.0" ? "localhost" : host):\(port)")
        if let url = URL(string: publicBaseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
            if mode == .production && scheme != "https" {
                reader.problems.append(ConfigProblem(key: "HUES_PUBLIC_URL", message: "production needs an https:// public URL"))
            }
        } else {
            reader.problems.append(ConfigProblem(key: "HUES_PUBLIC_URL", message: "'\(publicBaseURL)' is not an http(s) URL"))
        }
        var database = DatabaseLocation.sqlite(path: (dataDirectory as NSString).appendingPathComponent("hues.sqlite"))
        if let raw = values["HUES_DATABASE_URL"], !raw.isEmpty {
            do {
                database = try DatabaseLocation.parse(raw)
            } catch {
                reader.problems.append(ConfigProblem(key: "HUES_DATABASE_URL", message: "\(error)"))
            }
        }
        var replica: String?
        if let raw = values["HUES_DATABASE_REPLICA_URL"], !raw.isEmpty {
            do {
                if case .postgres = database, case .postgres(let url) = try DatabaseLocation.parse(raw) {
                    replica = url
                } else {
                    reader.problems.append(ConfigProblem(key: "HUES_DATABASE_REPLICA_URL", message: "a read replica is a postgres:// URL, beside a PostgreSQL HUES_DATABASE_URL"))
                }
            } catch {
                // Why the URL does not parse, as for HUES_DATABASE_URL.
                reader.problems.append(ConfigProblem(key: "HUES_DATABASE_REPLICA_URL", message: "\(error)"))
            }
        }
        let masterKey = values["HUES_MASTER_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let masterKey {
            if Data(base64Encoded: masterKey)?.count != 32 {
                reader.problems.append(ConfigProblem(key: "HUES_MASTER_KEY", message: "must be base64 of exactly 32 bytes (try: openssl rand -base64 32)"))
            }
        } else if mode == .production {
            reader.problems.append(ConfigProblem(key: "HUES_MASTER_KEY", message: "required in production mode (try: openssl rand -base64 32)"))
        }
        let profile = values["HUES_CITY_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
        if let profile {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: profile, isDirectory: &isDirectory) || !isDirectory.boolValue {
                reader.problems.append(ConfigProblem(key: "HUES_CITY_PROFILE", message: "'\(profile)' is not a folder"))
            }
        }
        let limits = Self.readLimits(&reader, mode: mode)
        let sensorRawDays = reader.integer("HUES_SENSOR_RAW_DAYS", default: 30, range: 1...3650)
        let sensorHourlyDays = reader.integer("HUES_SENSOR_HOURLY_DAYS", default: 730, range: 1...36_500)
        let mail = Self.readMail(&reader, values: values)
        let network = Self.readNetwork(&reader, values: values, mode: mode)
        let (map, mapProblems) = MapSettings.read(values)
        let (push, pushProblems) = PushSettings.read(values)
        let (rateLimits, rateLimitProblems) = RateLimitSettings.read(values)
        let (security, securityProblems) = SecuritySettings.read(values)
        let (numberIndexes, numberIndexProblems) = SensorNumberIndex.read(values)
        problems += reader.problems + mapProblems + pushProblems + rateLimitProblems + securityProblems + numberIndexProblems

        guard !problems.contains(where: { $0.severity == .error }) else { return (nil, problems) }
        var configuration = HuesConfiguration(
            mode: mode, host: host, port: port, publicBaseURL: publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL,
            dataDirectory: dataDirectory, database: database, masterKeyBase64: masterKey, cityProfilePath: profile,
            logLevel: limits.logLevel, logFormat: limits.logFormat, maxBodyBytes: limits.maxBody, passwordHashCost: limits.cost,
            accessTokenLifetime: .seconds(limits.accessTTL), refreshTokenLifetime: .seconds(limits.refreshTTL),
            webSessionLifetime: .seconds(limits.sessionTTL), loginFailuresBeforeLockout: limits.failures, signInRateLimit: limits.signInRate,
            smtpHost: mail.host, smtpPort: mail.port, smtpSecurity: mail.security, smtpUsername: values["HUES_SMTP_USERNAME"],
            smtpPassword: values["HUES_SMTP_PASSWORD"], smtpFrom: mail.from, noticePollSeconds: mail.pollSeconds,
            escalationSeconds: limits.escalationSeconds
        )
        configuration.paymentsSweepSeconds = limits.paymentsSweepSeconds
        configuration.auditCheckpointSeconds = limits.auditCheckpointSeconds
        configuration.bankWebhookSecret = network.bankSecret
        configuration.trustedProxies = network.trustedProxies
        configuration.demoIntegrations = network.demoIntegrations
        configuration.webhookAllowedNetworks = network.webhookAllowedNetworks
        configuration.sensorRawDays = sensorRawDays
        configuration.sensorHourlyDays = sensorHourlyDays
        configuration.ngsiNumberIndexes = numberIndexes
        configuration.map = map
        configuration.push = push
        configuration.rateLimits = rateLimits
        configuration.security = security
        configuration.databaseReplicaURL = replica
        configuration.modulesOff = Set((values["HUES_MODULES_OFF"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty })
        return (configuration, problems)
    }

    /// The `HUES_*` values: the optional file first, the environment over it; unknown names are warned about.
    static func readValues(_ environment: [String: String]) -> ([String: String], [ConfigProblem]) {
        var problems: [ConfigProblem] = []
        var values: [String: String] = [:]
        if let file = environment["HUES_CONFIG_FILE"], !file.isEmpty {
            do {
                let parsed = EnvironmentFile.parse(try String(contentsOfFile: file, encoding: .utf8))
                values = parsed.values
                problems += parsed.problems.map { ConfigProblem(key: "HUES_CONFIG_FILE", message: "\(file): \($0)") }
            } catch {
                problems.append(ConfigProblem(key: "HUES_CONFIG_FILE", message: "cannot read \(file): \(error.localizedDescription)"))
            }
        }
        for (key, value) in environment where key.hasPrefix("HUES_") { values[key] = value }
        // Inputs to single commands and to the test suite, not settings of the platform.
        let known = Set(settings.map(\.key) + ["HUES_NEW_PASSWORD", "HUES_BACKUP_PASSPHRASE", "HUES_TEST_DATABASE_URL", "HUES_BIN", "HUES_TEST_WITHOUT_TOOLS"])
        for key in values.keys.sorted() where key.hasPrefix("HUES_") && !known.contains(key) {
            problems.append(ConfigProblem(key: key, message: "unknown setting (misspelt?)", severity: .warning))
        }
        return (values, problems)
    }

    private struct Limits {
        var logLevel: Logger.Level, logFormat: LogFormat, maxBody: Int, cost: Int, accessTTL: Int, refreshTTL: Int, sessionTTL: Int
        var failures: Int, signInRate: Int, escalationSeconds: Int, paymentsSweepSeconds: Int, auditCheckpointSeconds: Int
    }

    private static func readLimits(_ reader: inout SettingReader, mode: RunMode) -> Limits {
        Limits(
            logLevel: reader.choice("HUES_LOG_LEVEL", default: Logger.Level.info),
            logFormat: reader.choice("HUES_LOG_FORMAT", default: LogFormat.json),
            maxBody: reader.integer("HUES_MAX_BODY_SIZE", default: 10 * 1024 * 1024, range: 1024...(1 << 31)),
            cost: reader.integer("HUES_PASSWORD_HASH_COST", default: 12, range: (mode == .production ? 10 : 4)...16),
            accessTTL: reader.integer("HUES_ACCESS_TOKEN_TTL", default: 600, range: 30...86_400),
            refreshTTL: reader.integer("HUES_REFRESH_TOKEN_TTL", default: 2_592_000, range: 300...31_536_000),
            sessionTTL: reader.integer("HUES_SESSION_TTL", default: 43_200, range: 300...2_592_000),
            failures: reader.integer("HUES_LOGIN_MAX_FAILURES", default: 5, range: 1...100),
            signInRate: reader.integer("HUES_SIGN_IN_RATE_LIMIT", default: 30, range: 1...100_000),
            escalationSeconds: reader.integer("HUES_ESCALATION_SECONDS", default: 60, range: 0...86_400),
            paymentsSweepSeconds: reader.integer("HUES_PAYMENTS_SWEEP_SECONDS", default: 5, range: 0...3600),
            auditCheckpointSeconds: reader.integer("HUES_AUDIT_CHECKPOINT_SECONDS", default: 300, range: 0...86_400)
        )
    }

    private static func readMail(_ reader: inout SettingReader, values: [String: String])
        -> (host: String?, port: Int, security: String, from: String, pollSeconds: Int)
    {
        let host = values["HUES_SMTP_HOST"].flatMap { $0.isEmpty ? nil : $0 }
        let port = reader.integer("HUES_SMTP_PORT", default: 25, range: 1...65535)
        let security = reader.string("HUES_SMTP_TLS", default: "none")
        if !["none", "tls"].contains(security) {
            reader.problems.append(ConfigProblem(key: "HUES_SMTP_TLS", message: "'\(security)' is not none or tls"))
        }
        let from = reader.string("HUES_SMTP_FROM", default: "no-reply@hues.example")
        if !EmailAddress.isValid(from) { reader.problems.append(ConfigProblem(key: "HUES_SMTP_FROM", message: "'\(from)' is not an email address")) }
        return (host, port, security, from, reader.integer("HUES_NOTICE_POLL_SECONDS", default: 5, range: 1...3600))
    }

    private static func readNetwork(_ reader: inout SettingReader, values: [String: String], mode: RunMode)
        -> (bankSecret: String?, trustedProxies: [IPNetwork], demoIntegrations: Bool, webhookAllowedNetworks: [IPNetwork])
    {
        let bankSecret = values["HUES_BANK_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        if let bankSecret, bankSecret.utf8.count < 32 {
            reader.problems.append(ConfigProblem(key: "HUES_BANK_WEBHOOK_SECRET", message: "at least 32 characters"))
        }
        let proxies = reader.networks("HUES_TRUSTED_PROXIES")
        let webhookNetworks = reader.networks("HUES_WEBHOOK_ALLOWED_NETWORKS")
        let demo = reader.string("HUES_DEMO_INTEGRATIONS", default: mode == .demo ? "on" : "off")
        if !["on", "off"].contains(demo) {
            reader.problems.append(ConfigProblem(key: "HUES_DEMO_INTEGRATIONS", message: "'\(demo)' is not on or off"))
        } else if demo == "on" && mode == .production {
            reader.problems.append(ConfigProblem(key: "HUES_DEMO_INTEGRATIONS", message: "the demo bank and identity provider never run in production"))
        }
        return (bankSecret, proxies, demo == "on", webhookNetworks)
    }

    /// A configuration for tests and benchmarks: a throw-away SQLite file, cheap password hashing.
    public static func testing(dataDirectory: String, database: DatabaseLocation? = nil) -> HuesConfiguration {
        var configuration = HuesConfiguration(
            mode: .development, host: "127.0.0.1", port: 0, publicBaseURL: "http://localhost:8080",
            dataDirectory: dataDirectory,
            database: database ?? .sqlite(path: (dataDirectory as NSString).appendingPathComponent("hues.sqlite")),
            masterKeyBase64: Data(repeating: 7, count: 32).base64EncodedString(), cityProfilePath: nil,
            logLevel: .warning, logFormat: .text, maxBodyBytes: 1024 * 1024, passwordHashCost: 4,
            accessTokenLifetime: .seconds(600), refreshTokenLifetime: .seconds(86_400), webSessionLifetime: .seconds(3600),
            loginFailuresBeforeLockout: 5, signInRateLimit: 10_000, smtpHost: nil, smtpPort: 25, smtpSecurity: "none", smtpUsername: nil,
            smtpPassword: nil, smtpFrom: "no-reply@hues.example", noticePollSeconds: 0, escalationSeconds: 0,
            paymentsSweepSeconds: 0, demoIntegrations: true
        )
        configuration.auditCheckpointSeconds = 0
        return configuration
    }
}

/// Collects problems while reading typed settings, so one bad value does not hide the next.
private struct SettingReader {
    let values: [String: String]
    var problems: [ConfigProblem] = []

    func string(_ key: String, default fallback: String) -> String {
        guard let value = values[key], !value.isEmpty else { return fallback }
        return value
    }

    mutating func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let raw = values[key], !raw.isEmpty else { return fallback }
        guard let value = Int(raw), range.contains(value) else {
            problems.append(ConfigProblem(key: key, message: "'\(raw)' is not a whole number in \(range.lowerBound)...\(range.upperBound)"))
            return fallback
        }
        return value
    }

    /// A comma-separated list of addresses or CIDRs; each entry that is neither is a problem naming it.
    mutating func networks(_ key: String) -> [IPNetwork] {
        guard let raw = values[key], !raw.isEmpty else { return [] }
        let parsed = IPNetwork.list(raw)
        for entry in parsed.invalid { problems.append(ConfigProblem(key: key, message: "'\(entry)' is not an IP address or CIDR network")) }
        return parsed.networks
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, default fallback: T) -> T where T.RawValue == String {
        guard let raw = values[key], !raw.isEmpty else { return fallback }
        guard let value = T(rawValue: raw.lowercased()) else {
            problems.append(ConfigProblem(key: key, message: "'\(raw)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"))
            return fallback
        }
        return value
    }
}
