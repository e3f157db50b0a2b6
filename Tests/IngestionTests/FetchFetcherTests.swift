import Foundation
import Testing

@testable import Ingestion

/// `Tests/Fixtures/fetch_test_server.py`: pages, redirects, gzip, slow and huge bodies on loopback.
final class FetchTestServer: LoopbackFixtureServer {
    var base: String { baseURL }

    init() throws {
        try super.init(script: "fetch_test_server.py")
    }
}

/// The fetcher against a real local server, with 127.0.0.1/32 allowlisted as an operator
/// would for a test setup. Every connection goes to 127.0.0.1; 127.0.0.2 and ::1 are only
/// ever refused before connecting.
@Suite struct FetchFetcherTests {
    static func policy(_ change: (inout FetchPolicy) -> Void = { _ in }) -> FetchPolicy {
        var policy = FetchPolicy()
        policy.allow = [IPNetwork(cidr: "127.0.0.1/32")!]
        policy.timeout = .seconds(10)
        change(&policy)
        return policy
    }

    let fetcher = Fetcher(policy: policy())

    func failure(_ result: Result<FetchResponse, FetchError>) -> FetchError? {
        if case .failure(let error) = result { return error }
        return nil
    }

    func stats(_ server: FetchTestServer, id: String) throws -> [String: Any] {
        let body = try fetcher.fetch(FetchRequest(url: server.base + "/stats?id=\(id)")).get().body
        return try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
    }

    @Test func fetchesAPageWithItsContentTypeAndValidators() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let response = try fetcher.fetch(FetchRequest(url: server.base + "/page")).get()
        #expect(response.status == 200)
        #expect(response.finalURL == server.base + "/page")
        #expect(response.contentType == "text/html")
        #expect(response.charset == "utf-8")
        #expect(response.etag == "\"page-v1\"")
        #expect(response.lastModified == "Tue, 24 Nov 2026 17:51:43 GMT")
        #expect(String(decoding: response.body, as: UTF8.self).contains("Olá, mundo"))
        #expect(!response.notModified)
        #expect(response.redirects.isEmpty)
    }

    @Test func sendsItsUserAgentAndOffersEveryEncoding() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let body = try fetcher.fetch(FetchRequest(url: server.base + "/headers")).get().body
        let headers = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: String])
        #expect(headers["user-agent"] == "CompaninFetcher/1 (+knowledge ingestion)")
        let encodings = headers["accept-encoding"] ?? ""
        for encoding in ["gzip", "deflate", "br"] { #expect(encodings.contains(encoding), "\(encodings)") }
        #expect(headers["if-none-match"] == nil)
    }

    @Test func decodesCompressedBodies() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        for path in ["/gzip", "/deflate"] {
            let response = try fetcher.fetch(FetchRequest(url: server.base + path)).get()
            #expect(response.status == 200)
            #expect(response.body.count == 47 * 400)
            #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("Companin fetches pages"))
            #expect(response.charset == "utf-8")
        }
    }

    @Test func servesTheWebFixturesByteForByte() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        for name in ["article.html", "boilerplate.html", "latin1.html"] {
            let response = try fetcher.fetch(FetchRequest(url: server.base + "/web/" + name)).get()
            let file = try Data(contentsOf: FetchTestServer.fixtures.appendingPathComponent("web/" + name))
            #expect(response.body == [UInt8](file), "\(name)")
            #expect(response.contentType == "text/html")
            #expect(response.charset == nil)
        }
    }

    @Test func followsARedirectChainOfThree() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let response = try fetcher.fetch(FetchRequest(url: server.base + "/redirect/3")).get()
        #expect(response.status == 200)
        #expect(response.redirects == ["/redirect/2", "/redirect/1", "/redirect/0"].map { server.base + $0 })
        #expect(response.finalURL == server.base + "/redirect/0")
        #expect(String(decoding: response.body, as: UTF8.self).contains("Olá, mundo"))

        let five = try fetcher.fetch(FetchRequest(url: server.base + "/redirect/5")).get()
        #expect(five.redirects.count == 5)
    }

    @Test func sixRedirectsAreTooMany() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let error = failure(fetcher.fetch(FetchRequest(url: server.base + "/redirect/6")))
        #expect(error?.code == "too_many_redirects")

        let strict = Fetcher(policy: Self.policy { $0.maxRedirects = 0 })
        #expect(failure(strict.fetch(FetchRequest(url: server.base + "/redirect/1")))?.code == "too_many_redirects")
    }

    @Test func redirectStatusesAndTheirOddCases() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        for status in [301, 302, 303, 307, 308] {
            let response = try fetcher.fetch(FetchRequest(url: server.base + "/redirect-to?url=/page&status=\(status)")).get()
            #expect(response.finalURL == server.base + "/page", "\(status)")
            #expect(response.redirects == [server.base + "/page"])
        }
        // A redirect without a Location is an answer, not a success.
        #expect(failure(fetcher.fetch(FetchRequest(url: server.base + "/no-location")))?.httpStatus == 302)
        // A redirect off http(s) or carrying credentials is refused like a submitted URL.
        let ftp = failure(fetcher.fetch(FetchRequest(url: server.base + "/redirect-to?url=ftp://127.0.0.1/")))
        #expect(ftp?.code == "unsupported_scheme")
        let file = failure(fetcher.fetch(FetchRequest(url: server.base + "/redirect-to?url=file:///etc/passwd")))
        #expect(file?.code == "unsupported_scheme")
        let credentials = failure(
            fetcher.fetch(FetchRequest(url: server.base + "/redirect-to?url=http://u:p@127.0.0.1:\(server.port)/page")))
        #expect(credentials?.code == "invalid_url")
    }

    @Test func conditionalGetAnswersNotModified() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let byETag = try fetcher.fetch(FetchRequest(url: server.base + "/page", etag: "\"page-v1\"")).get()
        #expect(byETag.status == 304)
        #expect(byETag.notModified)
        #expect(byETag.body.isEmpty)
        #expect(byETag.etag == "\"page-v1\"")

        let byDate = try fetcher.fetch(FetchRequest(url: server.base + "/page", lastModified: "Tue, 24 Nov 2026 17:51:43 GMT")).get()
        #expect(byDate.notModified)

        let changed = try fetcher.fetch(FetchRequest(url: server.base + "/page", etag: "\"page-v0\"")).get()
        #expect(changed.status == 200)
        #expect(!changed.notModified)
        #expect(changed.etag == "\"page-v1\"")

        // The validators go with every hop, so a redirected page can still answer 304.
        let redirected = try fetcher.fetch(FetchRequest(url: server.base + "/redirect-to?url=/page", etag: "\"page-v1\"")).get()
        #expect(redirected.notModified)
        #expect(redirected.redirects == [server.base + "/page"])
    }

    @Test func aLargeStreamIsStoppedAtTheLimit() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: Self.policy { $0.maxBytes = 5 << 20 })
        // 10 MiB without Content-Length, 64 KiB every 10 ms: all of it would take over 1.6 s.
        let clock = ContinuousClock()
        let start = clock.now
        let error = failure(fetcher.fetch(FetchRequest(url: server.base + "/stream?size=\(10 << 20)&id=streamed")))
        let elapsed = clock.now - start
        #expect(error?.code == "too_large")
        #expect(error?.message == "the response is larger than 5242880 bytes")
        // The server's pauses alone make the whole body take 1.6 s.
        #expect(elapsed < .milliseconds(1600), "stopped at the limit, not at the end: \(elapsed)")

        var stats: [String: Any] = [:]
        #expect(
            eventually {
                stats = (try? self.stats(server, id: "streamed")) ?? [:]
                return stats["finished"] as? Bool == true
            })
        #expect(stats["completed"] as? Bool == false, "the server saw the connection close mid-body")
        let sent = stats["sent"] as? Int ?? .max
        #expect(sent >= 5 << 20)
        #expect(sent < 10 << 20, "sent \(sent)")
    }

    @Test func anAnnouncedLargeBodyIsRefusedAtTheHeaders() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: Self.policy { $0.maxBytes = 5 << 20 })
        let error = failure(fetcher.fetch(FetchRequest(url: server.base + "/stream?size=\(10 << 20)&length=1&id=announced")))
        #expect(error?.code == "too_large")
        var stats: [String: Any] = [:]
        #expect(
            eventually {
                stats = (try? self.stats(server, id: "announced")) ?? [:]
                return stats["finished"] as? Bool == true
            })
        #expect(stats["completed"] as? Bool == false)
    }

    @Test func theLimitAppliesToTheDecodedBody() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        // About 10 KB on the wire, 10 MiB once gunzipped.
        let error = failure(Fetcher(policy: Self.policy { $0.maxBytes = 1 << 20 }).fetch(FetchRequest(url: server.base + "/bomb")))
        #expect(error?.code == "too_large")
    }

    @Test func aSlowServerTimesOut() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let fetcher = Fetcher(policy: Self.policy { $0.timeout = .seconds(1) })
        let clock = ContinuousClock()
        let start = clock.now
        let error = failure(fetcher.fetch(FetchRequest(url: server.base + "/slow?seconds=5")))
        let elapsed = clock.now - start
        #expect(error?.code == "timeout")
        #expect(elapsed >= .milliseconds(900))
        #expect(elapsed < .seconds(3), "\(elapsed)")
    }

    @Test func errorStatusesAreErrors() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        for status in [404, 410, 500, 503] {
            let error = failure(fetcher.fetch(FetchRequest(url: server.base + "/status/\(status)")))
            #expect(error?.code == "http_status")
            #expect(error?.httpStatus == status)
        }
        // 304 without validators is not a "not modified".
        #expect(failure(fetcher.fetch(FetchRequest(url: server.base + "/status/304")))?.httpStatus == 304)
        let created = try fetcher.fetch(FetchRequest(url: server.base + "/status/201")).get()
        #expect(created.status == 201)
    }

    @Test func aRedirectToAnotherLoopbackAddressIsRefusedBeforeConnecting() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        // Nothing listens on 127.0.0.2: a connection attempt would fail as "connection".
        for target in [
            "http://127.0.0.2:\(server.port)/page", "http://[::1]:\(server.port)/page",
            "http://2130706434:\(server.port)/", "http://0x7f.2:\(server.port)/", "http://169.254.169.254/latest/meta-data/",
        ] {
            let error = failure(fetcher.fetch(FetchRequest(url: server.base + "/redirect-to?url=" + target)))
            #expect(error == FetchError(code: "forbidden_address", message: "URL resolves to a forbidden address"), "\(target)")
        }
    }

    @Test func onlyTheAllowlistedLoopbackAddressIsReachable() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        #expect(failure(fetcher.fetch(FetchRequest(url: "http://[::1]:\(server.port)/page")))?.code == "forbidden_address")
        #expect(failure(fetcher.fetch(FetchRequest(url: "http://127.0.0.2:\(server.port)/page")))?.code == "forbidden_address")
        // Without the allowlist the server itself is out of reach.
        let strict = Fetcher(policy: FetchPolicy())
        #expect(failure(strict.fetch(FetchRequest(url: server.base + "/page")))?.code == "forbidden_address")
    }

    @Test func theGuardChecksTheAddressActuallyConnected() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let page = "http://localhost:\(server.port)/page"
        // A name passes the URL checks; the socket gate judges what it resolved to.
        #expect(try fetcher.fetch(FetchRequest(url: page)).get().status == 200)
        #expect(failure(Fetcher(policy: FetchPolicy()).fetch(FetchRequest(url: page)))?.code == "forbidden_address")

        // A resolver turned hostile (DNS rebinding): the same name now answers 127.0.0.2.
        var rebound = fetcher
        rebound.resolveOverrides = ["localhost:\(server.port):127.0.0.2"]
        #expect(failure(rebound.fetch(FetchRequest(url: page)))?.code == "forbidden_address")
        // ... also when the name is reached through a redirect from an allowed page.
        let viaRedirect = rebound.fetch(FetchRequest(url: server.base + "/redirect-to?url=" + page))
        #expect(failure(viaRedirect) == FetchError(code: "forbidden_address", message: "URL resolves to a forbidden address"))
        // Pinned to the allowlisted address, the same fetch goes through.
        var pinned = fetcher
        pinned.resolveOverrides = ["localhost:\(server.port):127.0.0.1"]
        #expect(try pinned.fetch(FetchRequest(url: page)).get().finalURL == page)
    }

    @Test func refusedURLsNeverReachTheNetwork() {
        #expect(failure(fetcher.fetch(FetchRequest(url: "ftp://127.0.0.1/")))?.code == "unsupported_scheme")
        #expect(failure(fetcher.fetch(FetchRequest(url: "http://user:pass@127.0.0.1/")))?.code == "invalid_url")
        #expect(failure(fetcher.fetch(FetchRequest(url: "http://0x7f.2/")))?.code == "forbidden_address")
    }

    @Test func aTLSHandshakeWithAPlainHTTPServerIsATLSError() throws {
        let server = try FetchTestServer()
        defer { server.stop() }
        let error = failure(fetcher.fetch(FetchRequest(url: "https://127.0.0.1:\(server.port)/page")))
        #expect(error?.code == "tls", "\(String(describing: error))")
    }

    @Test func aClosedPortIsAConnectionError() throws {
        let server = try FetchTestServer()
        let url = server.base + "/page"
        server.stop()
        let error = failure(fetcher.fetch(FetchRequest(url: url)))
        #expect(error?.code == "connection")
        #expect(error?.message.contains("127.0.0.1") == true, "\(error?.message ?? "")")
    }
}
