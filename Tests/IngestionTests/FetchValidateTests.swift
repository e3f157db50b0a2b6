import Foundation
import Testing

@testable import Ingestion

/// `Fetcher.validate` and the URL checks under it. Nothing here connects or resolves anything:
/// a host is an address literal, refused or accepted from its text, or a name, which passes.
@Suite struct FetchValidateTests {
    let fetcher = Self.fetcher(FetchPolicy())

    static func fetcher(_ policy: FetchPolicy) -> Fetcher { Fetcher(policy: policy) }

    func code(_ result: Result<URL, FetchError>) -> String? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    @Test(arguments: FetchAddressGuardTests.forbiddenHosts)
    func forbiddenLiteralsAreRefusedBeforeAnyLookup(host: String) {
        for url in ["http://\(host)/", "https://\(host):8443/path?q=1"] {
            // The check that needs no network must already refuse it, so validate never resolves.
            guard case .failure(let error) = CheckedURL.check(url, policy: fetcher.policy) else {
                Issue.record("\(url) passed the literal check")
                continue
            }
            // Spellings libcurl's parser will not take as a host at all are malformed instead.
            #expect(["forbidden_address", "invalid_url"].contains(error.code), "\(url): \(error)")
            if error.code == "forbidden_address" {
                #expect(error.message == "URL resolves to a forbidden address")
                #expect(code(fetcher.validate(url)) == "forbidden_address")
            }
        }
    }

    @Test func theBriefsSpellingsAreForbiddenAsURLs() {
        let hosts = [
            "127.0.0.1", "[::1]", "169.254.169.254", "10.0.0.1", "100.64.0.1", "[fd00::1]",
            "[::ffff:127.0.0.1]", "0.0.0.0", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1",
            "192.168.1.1", "172.16.0.1", "[fe80::1]", "224.0.0.1", "[64:ff9b::7f00:1]",
            "[fe80::1%25eth0]", "127.0.0.1.", "0x7f000001",
        ]
        for host in hosts {
            let url = "http://\(host)/"
            guard case .failure(let error) = CheckedURL.check(url, policy: fetcher.policy) else {
                Issue.record("\(url) passed the literal check")
                continue
            }
            #expect(error == FetchError(code: "forbidden_address", message: "URL resolves to a forbidden address"), "\(url)")
            #expect(code(fetcher.validate(url)) == "forbidden_address", "\(url)")
        }
    }

    @Test func publicLiteralsPassWithoutConnecting() throws {
        let url = try fetcher.validate("HTTP://8.8.8.8/a/../b?q=1#top").get()
        #expect(url.absoluteString == "http://8.8.8.8/b?q=1#top")
        #expect(url.host == "8.8.8.8")
        let v6 = try fetcher.validate("https://[2606:4700::1111]:8443/x").get()
        #expect(v6.port == 8443)
        #expect(v6.absoluteString == "https://[2606:4700::1111]:8443/x")
    }

    @Test func onlyHTTPAndHTTPS() {
        for url in [
            "ftp://127.0.0.1/", "file:///etc/passwd", "gopher://127.0.0.1:70/", "dict://127.0.0.1:11211/",
            "javascript:alert(1)", "data:text/html,hi", "ldap://8.8.8.8/", "FTP://8.8.8.8/",
        ] {
            #expect(code(fetcher.validate(url)) == "unsupported_scheme", "\(url)")
        }
    }

    @Test func credentialsAndMalformedURLsAreInvalid() {
        for url in [
            "http://user:pass@127.0.0.1/", "http://user@8.8.8.8/", "http://:pass@8.8.8.8/",
            "https://user:pass@[2606:4700::1111]/", "", "   ", "http://", "http://:80/",
            "not a url", "//127.0.0.1/", "127.0.0.1:8080", "localhost:8080/x", "http://exa mple.com/",
            "http://8.8.8.8/\u{0}x", "http://256.0.0.1/", "http://1.2.3.4.5/", "http://08.0.0.1/",
            "http://[::1/", "http://8.8.8.8:99999/", "http://8.8.8.8/" + String(repeating: "a", count: 9000),
        ] {
            #expect(code(fetcher.validate(url)) == "invalid_url", "\(url.prefix(60))")
        }
        #expect(
            fetcher.validate("http://user:pass@127.0.0.1/")
                == .failure(FetchError(code: "invalid_url", message: "URL must not contain credentials")))
    }

    @Test func aNameIsNotResolvedHere() throws {
        // localhost would resolve to loopback: the fetch refuses it when it connects
        // (FetchFetcherTests), never this check, which must not tell names apart.
        let url = try fetcher.validate("http://localhost:8080/path").get()
        #expect(url.host == "localhost")
        #expect(try fetcher.validate("http://intranet.invalid/").get().host == "intranet.invalid")
    }

    @Test func extraSlashesAreReadAsBrowsersReadThem() throws {
        // "http:///127.0.0.1/" is http://127.0.0.1/ to libcurl and to browsers alike.
        #expect(code(fetcher.validate("http:///127.0.0.1/")) == "forbidden_address")
        #expect(try CheckedURL.check("http:///8.8.8.8/x", policy: fetcher.policy).get().text == "http://8.8.8.8/x")
    }

    @Test func nonASCIIDigitsAreNotAWayAround() throws {
        for url in ["http://１２７．０．０．１/", "http://①②⑦.0.0.1/", "http://127。0。0。1/", "http://[::1]／x"] {
            guard case .failure(let error) = CheckedURL.check(url, policy: fetcher.policy) else {
                Issue.record("\(url) passed the literal check")
                continue
            }
            #expect(["forbidden_address", "invalid_url"].contains(error.code), "\(url): \(error)")
        }
        #expect(code(fetcher.validate("http://１２７．０．０．１/")) == "forbidden_address")
        // libcurl percent-decodes a host, and so does the guard.
        #expect(code(fetcher.validate("http://%31%32%37.0.0.1/")) == "forbidden_address")
        #expect(try CheckedURL.check("http://exa%6dple.com/", policy: fetcher.policy).get().host == "example.com")
    }

    @Test func internationalizedNamesBecomePunycode() throws {
        let names = [
            ("bücher.example", "xn--bcher-kva.example"), ("MÜNCHEN.de", "xn--mnchen-3ya.de"),
            ("açores.pt", "xn--aores-yra.pt"), ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
            ("ドメイン名例.jp", "xn--eckwd4c7cu47r2wf.jp"), ("Ελληνικά.gr", "xn--hxargifdar.gr"),
            ("ﬁ.example", "fi.example"), ("１２７．０．０．１", "127.0.0.1"), ("ascii.example", "ascii.example"),
        ]
        for (name, ascii) in names {
            #expect(HostName.toASCII(name) == ascii, "\(name)")
        }
        #expect(HostName.toASCII(String(repeating: "ü", count: 80) + ".example") == nil, "a label over 63 bytes")
        let checked = try CheckedURL.check("https://bücher.example/a?q=1", policy: fetcher.policy).get()
        #expect(checked.text == "https://xn--bcher-kva.example/a?q=1")
        #expect(checked.host == "xn--bcher-kva.example")
    }

    @Test func spacesAndNonASCIIInPathAndQueryArePercentEncoded() throws {
        let checked = try CheckedURL.check("http://8.8.8.8/olá mundo/ü?q=são paulo#secção", policy: fetcher.policy).get()
        #expect(checked.text == "http://8.8.8.8/ol%C3%A1%20mundo/%C3%BC?q=s%C3%A3o%20paulo#sec%C3%A7%C3%A3o")
        #expect(try fetcher.validate("http://8.8.8.8/a b").get().path == "/a b")
    }

    @Test func locationsResolveAgainstTheCurrentURL() throws {
        let policy = FetchPolicy()
        let base = "http://8.8.8.8/a/c/d?x=1"
        #expect(try CheckedURL.check("../b?y=2", relativeTo: base, policy: policy).get().text == "http://8.8.8.8/a/b?y=2")
        #expect(try CheckedURL.check("/root", relativeTo: base, policy: policy).get().text == "http://8.8.8.8/root")
        #expect(try CheckedURL.check("?z", relativeTo: base, policy: policy).get().text == "http://8.8.8.8/a/c/d?z")
        #expect(try CheckedURL.check("//1.1.1.1/p", relativeTo: base, policy: policy).get().text == "http://1.1.1.1/p")
        #expect(try CheckedURL.check("https://1.1.1.1", relativeTo: base, policy: policy).get().text == "https://1.1.1.1/")
        #expect(throws: FetchError.self) { try CheckedURL.check("//127.0.0.1/p", relativeTo: base, policy: policy).get() }
        #expect(throws: FetchError.self) { try CheckedURL.check("ftp://1.1.1.1/", relativeTo: base, policy: policy).get() }
        #expect(throws: FetchError.self) { try CheckedURL.check("http://u:p@1.1.1.1/", relativeTo: base, policy: policy).get() }
    }

    @Test func explicitSchemes() {
        #expect(CheckedURL.explicitScheme("HTTP://x") == "http")
        #expect(CheckedURL.explicitScheme("javascript:alert(1)") == "javascript")
        #expect(CheckedURL.explicitScheme("localhost:8080/x") == nil)
        #expect(CheckedURL.explicitScheme("localhost:8080") == nil)
        #expect(CheckedURL.explicitScheme("/path:x") == nil)
        #expect(CheckedURL.explicitScheme("1http://x") == nil)
    }
}
