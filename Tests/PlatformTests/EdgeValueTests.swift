import Foundation
import HuesTestSupport
import Platform
import Testing

/// The small parsers every request passes through: numbers, addresses, networks, log lines.
@Suite struct EdgeValueTests {
    @Test func wholeNumbersAreReadOnlyInsideTheirRange() throws {
        #expect(BoundedInteger.parse("42", in: 0...100) == 42)
        #expect(BoundedInteger.parse("-1", in: 0...100) == nil)
        for text in ["", "+1", " 1", "1 ", "1e3", "0x10", "9223372036854775808", "99999999999999999999999", "1.5", "١٢"] {
            #expect(BoundedInteger.parse(text, in: Int.min...Int.max) == nil, "\(text)")
        }
        #expect(try Paging.pages(page: Paging.maxOffset / 50 + 1, size: 50).offset == Paging.maxOffset)
        #expect(throws: Problem.self) { _ = try Paging.pages(page: Int.max, size: 500) }
        #expect(Paging(limit: 50, offset: Int.max).range == Paging.maxOffset..<(Paging.maxOffset + 50))
    }

    @Test func networksContainTheirAddressesInEveryNotation() throws {
        let private10 = try #require(IPNetwork(cidr: "10.0.0.0/8"))
        #expect(private10.contains("10.200.1.2") && private10.contains("::ffff:10.1.2.3") && !private10.contains("11.0.0.1"))
        let v6 = try #require(IPNetwork(cidr: "fd00::/8"))
        #expect(v6.contains("fd12:3456::1") && v6.contains("[fd00::1]") && !v6.contains("fe80::1"))
        #expect(IPNetwork(cidr: "192.168.1.7")?.contains("192.168.1.7") == true)
        for bad in ["10.0.0.0/33", "10.0.0/8", "300.1.1.1", "::/129", "a::b::c", "1.2.3.4/-1", "", "10.0.0.0/8/8", "1.2.3.04444",
                    // Leading zeros are octal to getaddrinfo: "012.0.0.1" would be vetted as 12.0.0.1 and reached as 10.0.0.1.
                    "012.0.0.1", "10.0.0.01"] {
            #expect(IPNetwork(cidr: bad) == nil, "\(bad)")
        }
        #expect(IPNetwork.bytes(of: "012.0.0.1") == nil, "not an address: resolved as a name, and vetted after resolving")
        for address in ["127.0.0.1", "169.254.169.254", "::1", "0.0.0.0", "fe80::1", "::ffff:192.168.0.1", "100.64.1.1"] {
            #expect(IPNetwork.nonPublic.contains { $0.contains(address) }, "\(address) is not public")
        }
        #expect(!IPNetwork.nonPublic.contains { $0.contains("203.162.4.190") })
        #expect(IPNetwork.list("10.0.0.0/8, nonsense ,::1").invalid == ["nonsense"])
    }

    @Test func theClientIsWhoTheTrustedProxiesSayAndNobodyElse() {
        let proxies = IPNetwork.list("10.0.0.0/8").networks
        // An untrusted peer's headers are its own claim.
        #expect(ClientAddress.resolve(peer: "203.0.113.9", forwarded: nil, forwardedFor: "1.2.3.4", trusted: proxies) == "203.0.113.9")
        // Through one proxy, then through two: the first address no trusted proxy stands for.
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwarded: nil, forwardedFor: "198.51.100.7", trusted: proxies) == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwarded: nil, forwardedFor: "6.6.6.6, 198.51.100.7, 10.0.0.5", trusted: proxies)
            == "198.51.100.7")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwarded: #"for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711""#, forwardedFor: nil,
                                      trusted: proxies) == "2001:db8:cafe::17")
        // Garbage stops the walk at the last hop that could be read.
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwarded: nil, forwardedFor: "unknown", trusted: proxies) == "10.0.0.2")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwarded: "for=_hidden", forwardedFor: nil, trusted: proxies) == "10.0.0.2")
    }

    @Test func emailAddressesAreMailboxesAndNothingElse() {
        for good in ["hoa@example.vn", "nguyen.van.a+hues@mail.hue.gov.vn", "a_b-c@x-y.com", "o'brien@example.org"] {
            #expect(EmailAddress.isValid(good), "\(good)")
        }
        for bad in ["a@b.vn>\r\nRCPT TO:<x@evil.example", "a<b>@c.vn", "a@b.vn\n", "\"a b\"@c.vn", "a@b", "a@@b.vn", "@b.vn", "a@", "a@-b.vn",
                    "a..b@c.vn", ".a@c.vn", "a.@c.vn", "a b@c.vn", "a@b_c.vn", "ä@b.vn", String(repeating: "a", count: 65) + "@b.vn", "a@b.vn\0"] {
            #expect(!EmailAddress.isValid(bad), "\(bad)")
        }
    }

    @Test func requestLogsKeepTheAddressButNotTheSecrets() {
        #expect(RequestLogMiddleware.redacted(path: "/open311/v2/requests.json", query: "api_key=abc&page=2") == "/open311/v2/requests.json?api_key=REDACTED&page=2")
        #expect(RequestLogMiddleware.redacted(path: "/oauth2/logout", query: "ID_TOKEN_HINT=x&post_logout_redirect_uri=y")
            == "/oauth2/logout?ID_TOKEN_HINT=REDACTED&post_logout_redirect_uri=y")
        #expect(RequestLogMiddleware.redacted(path: "/a", query: "api%5Fkey=abc") == "/a?api%5Fkey=REDACTED")
        #expect(RequestLogMiddleware.redacted(path: "/a", query: nil) == "/a")
    }

    @Test func anUnreadableMasterKeyStopsTheStartInsteadOfBeingReplaced() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-key-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var configuration = HuesConfiguration.testing(dataDirectory: folder)
        configuration.masterKeyBase64 = nil
        // A fresh folder gets one key, and the next start reads the same key back.
        let first = try SecretBox.masterKey(configuration: configuration)
        let sealed = try first.seal(Data("bí mật".utf8), purpose: "test")
        #expect(try SecretBox.masterKey(configuration: configuration).open(sealed, purpose: "test") == Data("bí mật".utf8))
        // A key that cannot be read is an error; the file is left exactly as it was.
        let damaged = Data([0xFF, 0xFE, 0x00, 0x41])
        try damaged.write(to: URL(fileURLWithPath: folder + "/master.key"))
        #expect(throws: ConfigurationError.self) { _ = try SecretBox.masterKey(configuration: configuration) }
        #expect(FileManager.default.contents(atPath: folder + "/master.key") == damaged)
    }
}

/// The schema checker the contract tests rely on finds what it should, so a passing contract test means something.
@Suite struct SchemaValidatorTests {
    @Test func mismatchesAreFoundWithTheirPath() throws {
        let document: [String: Any] = ["components": ["schemas": ["Report": [
            "type": "object", "required": ["code", "votes"],
            "properties": ["code": ["type": "string"], "votes": ["type": "integer"], "closed": ["type": ["boolean", "null"]],
                           "tags": ["type": "array", "items": ["type": "string", "enum": ["a", "b"]]]],
        ]]]]
        let validator = SchemaValidator(document: document)
        let schema: [String: Any] = ["$ref": "#/components/schemas/Report"]
        let good = try JSONSerialization.jsonObject(with: Data(#"{"code":"PA-1","votes":3,"closed":null,"tags":["a"]}"#.utf8))
        #expect(validator.errors(good, against: schema).isEmpty)
        let bad = try JSONSerialization.jsonObject(with: Data(#"{"votes":1.5,"closed":"no","tags":["c"]}"#.utf8))
        let errors = validator.errors(bad, against: schema)
        #expect(errors.contains("$.code: required but missing"))
        #expect(errors.contains { $0.hasPrefix("$.votes:") } && errors.contains { $0.hasPrefix("$.closed:") } && errors.contains { $0.hasPrefix("$.tags[0]:") })
        let flag = try JSONSerialization.jsonObject(with: Data(#"{"code":"x","votes":true}"#.utf8))
        #expect(validator.errors(flag, against: schema).contains { $0.hasPrefix("$.votes:") }, "a boolean is not an integer")
    }
}
