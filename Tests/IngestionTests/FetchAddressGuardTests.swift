import Testing

@testable import Ingestion

/// Address parsing and the SSRF guard's judgement. Nothing here touches the network.
@Suite struct FetchAddressGuardTests {
    static let forbiddenHosts = [
        "127.0.0.1", "[::1]", "169.254.169.254", "10.0.0.1", "100.64.0.1", "[fd00::1]",
        "[::ffff:127.0.0.1]", "0.0.0.0", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1",
        "192.168.1.1", "172.16.0.1", "[fe80::1]", "224.0.0.1", "[64:ff9b::7f00:1]",
        // More spellings and ranges.
        "0x7f000001", "017700000001", "0x7f.1", "127.0.1", "127.000.000.001", "0", "0x0",
        "127.0.0.1.", "%31%32%37.0.0.1", "１２７．０．０．１", "[0:0:0:0:0:0:0:1]", "[::]",
        "[::ffff:7f00:1]", "[::ffff:169.254.169.254]", "[::127.0.0.1]", "[2002:7f00:1::]",
        "[fe80::1%25eth0]", "[fd00:ec2::254]", "100.100.100.200", "172.31.255.255", "192.0.0.192",
        "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "240.0.0.1", "255.255.255.255",
        "239.255.255.250", "[ff02::1]", "[fec0::1]", "[fc00::1]", "[2001:db8::1]", "[2001::1]",
        "[100::1]", "[64:ff9b:1::1]", "[3fff::1]", "[5f00::1]", "168.63.129.16",
    ]

    static let allowedHosts = [
        "8.8.8.8", "[2606:4700::1111]", "93.184.216.34", "1.1.1.1", "172.32.0.1", "100.128.0.1",
        "[2001:4860:4860::8888]", "[::ffff:8.8.8.8]", "[64:ff9b::808:808]", "[2002:808:808::1]",
        "0x08.0x08.0x08.0x08", "134744072",
    ]

    @Test(arguments: forbiddenHosts)
    func forbiddenSpellings(host: String) throws {
        let address = try #require(AddressGuard.literalAddress(host: host), "\(host) is an address literal")
        #expect(AddressGuard.isForbidden(address), "\(host) read as \(address)")
        #expect(AddressGuard.reason(address) != nil)
    }

    @Test(arguments: allowedHosts)
    func publicAddressesAreAllowed(host: String) throws {
        let address = try #require(AddressGuard.literalAddress(host: host))
        #expect(!AddressGuard.isForbidden(address), "\(host) read as \(address): \(AddressGuard.reason(address) ?? "")")
    }

    @Test func lenientSpellingsReadAsBrowsersReadThem() {
        let expectations: [(String, String)] = [
            ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("127.0.1", "127.0.0.1"),
            ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"), ("0", "0.0.0.0"), ("10.0.0.1.", "10.0.0.1"),
            ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"), ("[FE80::1%25eth0]", "fe80::1"), ("::1", "::1"),
            ("１２７．０．０．１", "127.0.0.1"), ("%31%32%37.0.0.1", "127.0.0.1"),
        ]
        for (host, expected) in expectations {
            #expect(AddressGuard.literalAddress(host: host)?.description == expected, "\(host)")
        }
    }

    @Test func namesAndMalformedNumbersAreNotLiterals() {
        for host in [
            "localhost", "example.com", "127.0.0.1.example.com", "0x7g.0.0.1", "08.0.0.1",
            "256.0.0.1", "1.2.3.4.5", "4294967296", "1.16777216", "", "[1.2.3.4]", "[::1", "[:::1]",
            "[1::2::3]", "[12345::]", "[1:2:3:4:5:6:7:8:9]", "..", "xn--80ak6aa92e.com",
        ] {
            #expect(AddressGuard.literalAddress(host: host) == nil, "\(host)")
        }
        // Hosts that end in a number are refused as URLs rather than looked up.
        #expect(AddressGuard.looksNumeric(host: "256.0.0.1"))
        #expect(AddressGuard.looksNumeric(host: "1.2.3.4.5"))
        #expect(AddressGuard.looksNumeric(host: "08.0.0.1"))
        #expect(AddressGuard.looksNumeric(host: "example.0x10"))
        #expect(!AddressGuard.looksNumeric(host: "example.com"))
        #expect(!AddressGuard.looksNumeric(host: "0x7g.example"))
    }

    @Test func strictLiteralParsing() {
        #expect(IPAddress("127.0.0.1")?.description == "127.0.0.1")
        #expect(IPAddress("2001:DB8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("2001:db8:0:0:0:0:2:1")?.description == "2001:db8::2:1")
        #expect(IPAddress("2001:db8::")?.description == "2001:db8::")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("1:0:0:2:0:0:0:3")?.description == "1:0:0:2::3")
        #expect(IPAddress("::ffff:1.2.3.4")?.description == "::ffff:1.2.3.4")
        #expect(IPAddress("::ffff:1.2.3.4")?.ipv4Mapped == IPAddress("1.2.3.4"))
        #expect(IPAddress("64:ff9b::1.2.3.4") == IPAddress("64:ff9b::102:304"))
        #expect(IPAddress("10.0.0.1")?.bytes == [10, 0, 0, 1])
        #expect(IPAddress(bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) == IPAddress("::1"))
        for text in [
            "127.1", "0177.0.0.1", "010.0.0.1", "1.2.3.256", "[::1]", "::1%eth0", " 1.2.3.4",
            "1.2.3.4 ", "1:2:3:4:5:6:7::8:9", ":1::", "1::2::3", "::1.2.3", "1.2.3.4::", "", ":", "g::1",
        ] {
            #expect(IPAddress(text) == nil, "\(text)")
        }
        #expect(IPAddress("1:2:3:4:5:6:7:8") != nil)
        #expect(IPAddress("::2:3:4:5:6:7:8") != nil)
    }

    @Test func networks() throws {
        let loopback = try #require(IPNetwork(cidr: "127.0.0.1/32"))
        #expect(loopback.contains(IPAddress("127.0.0.1")!))
        #expect(!loopback.contains(IPAddress("127.0.0.2")!))
        #expect(!loopback.contains(IPAddress("::1")!))
        #expect(loopback.contains(IPAddress("::ffff:127.0.0.1")!), "a mapped address reaches the same IPv4 host")

        let ten = try #require(IPNetwork(cidr: "10.1.2.3/8"))
        #expect(ten.description == "10.0.0.0/8")
        #expect(ten.contains(IPAddress("10.255.0.1")!))
        #expect(!ten.contains(IPAddress("11.0.0.1")!))

        let v6 = try #require(IPNetwork(cidr: "[fd00::]/8"))
        #expect(v6.contains(IPAddress("fd12:3456::1")!))
        #expect(!v6.contains(IPAddress("fe80::1")!))
        #expect(IPNetwork(cidr: "::1/128")?.contains(IPAddress("::1")!) == true)
        #expect(IPNetwork(cidr: "2001:db8::/33")?.contains(IPAddress("2001:db8:8000::1")!) == false)
        #expect(IPNetwork(cidr: "0.0.0.0/0")?.contains(IPAddress("203.0.113.1")!) == true)
        #expect(IPNetwork(cidr: "::/0")?.contains(IPAddress("203.0.113.1")!) == false)
        #expect(IPNetwork(cidr: "192.168.0.1")?.prefixLength == 32)

        for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "localhost/8", "10/8", "", "10.0.0.0/8/8"] {
            #expect(IPNetwork(cidr: bad) == nil, "\(bad)")
        }
    }

    @Test func allowlistAllowsExactlyWhatItNames() {
        var policy = FetchPolicy()
        policy.allow = [IPNetwork(cidr: "127.0.0.1/32")!]
        #expect(policy.permits(IPAddress("127.0.0.1")!))
        #expect(!policy.permits(IPAddress("127.0.0.2")!))
        #expect(!policy.permits(IPAddress("::1")!))
        #expect(!policy.permits(IPAddress("10.0.0.1")!))
        #expect(policy.permits(IPAddress("8.8.8.8")!))
        #expect(!FetchPolicy().permits(IPAddress("127.0.0.1")!))
    }

    @Test func policyDefaults() {
        let defaults = FetchPolicy()
        #expect(defaults.allow.isEmpty)
        #expect(defaults.timeout == .seconds(20))
        #expect(defaults.connectTimeout == .seconds(5))
        #expect(defaults.maxBytes == 5 << 20)
        #expect(defaults.maxRedirects == 5)
    }

    @Test func contentTypeParameters() {
        #expect(Fetcher.mediaType("text/html; charset=UTF-8") == ("text/html", "utf-8"))
        #expect(Fetcher.mediaType("Text/HTML;Charset=\"ISO-8859-1\";q=1") == ("text/html", "iso-8859-1"))
        #expect(Fetcher.mediaType("application/json") == ("application/json", nil))
        #expect(Fetcher.mediaType(nil) == (nil, nil))
        #expect(Fetcher.mediaType("") == (nil, nil))
    }
}
