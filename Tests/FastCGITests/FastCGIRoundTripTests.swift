import FastCGI
import Foundation
import HTTP
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Drives `FastCGIServer` over a real unix socket with a minimal FastCGI client, as nginx would.
@Suite(.serialized) struct FastCGIRoundTripTests {
    final class Socket {
        let path: String
        let listener: Int32

        init() throws {
            path = NSTemporaryDirectory() + "companin-fcgi-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
            listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.address(path)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(bound == 0)
            #expect(listen(listener, 16) == 0)
        }

        deinit {
            close(listener)
            unlink(path)
        }

        static func address(_ path: String) -> sockaddr_un {
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                buffer.copyBytes(from: path.utf8)
                buffer[path.utf8.count] = 0
            }
            return address
        }

        /// A request in flight: a client thread sends it and then reads the answer, as a web server would.
        final class Exchange: @unchecked Sendable {
            // Written by the client thread before it signals `done`, read only after waiting on it.
            var output = ""
            let done = DispatchSemaphore(value: 0)
            let descriptor: Int32

            init(descriptor: Int32) { self.descriptor = descriptor }

            func response() -> String {
                done.wait()
                return output
            }
        }

        /// Connects and sends one request from a client thread, which then collects the answer.
        func send(params: [(String, String)], body: [UInt8], readAnswer: Bool = true) -> Exchange {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.address(path)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            var message = Self.record(type: 1, content: [0, 1, 0, 0, 0, 0, 0, 0])  // BEGIN_REQUEST, responder, no keep-conn
            var pairs: [UInt8] = []
            for (name, value) in params {
                pairs += Self.length(name.utf8.count) + Self.length(value.utf8.count) + Array(name.utf8) + Array(value.utf8)
            }
            message += Self.record(type: 4, content: pairs) + Self.record(type: 4, content: [])
            var offset = 0
            while offset < body.count {
                let chunk = Array(body[offset..<min(offset + 65_535, body.count)])
                message += Self.record(type: 5, content: chunk)
                offset += chunk.count
            }
            message += Self.record(type: 5, content: [])
            let exchange = Exchange(descriptor: fd)
            let thread = Thread { [message] in
                var sent = 0
                while sent < message.count {
                    let n = message[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { break }
                    sent += n
                }
                if readAnswer { exchange.output = Self.readResponse(fd) }
                exchange.done.signal()
            }
            thread.start()
            return exchange
        }

        /// Reads FastCGI records until END_REQUEST and returns the STDOUT bytes.
        static func readResponse(_ fd: Int32) -> String {
            var data: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                data += buffer[0..<n]
            }
            close(fd)
            var stdout: [UInt8] = []
            var index = 0
            while index + 8 <= data.count {
                let type = data[index + 1]
                let length = Int(data[index + 4]) << 8 | Int(data[index + 5])
                let padding = Int(data[index + 6])
                if type == 6 { stdout += data[(index + 8)..<(index + 8 + length)] }
                index += 8 + length + padding
            }
            return String(decoding: stdout, as: UTF8.self)
        }

        static func record(type: UInt8, content: [UInt8]) -> [UInt8] {
            [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xff), 0, 0] + content
        }

        static func length(_ n: Int) -> [UInt8] {
            n < 128 ? [UInt8(n)] : [UInt8(0x80 | (n >> 24)), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]
        }
    }

    func next(_ server: FastCGIServer) throws -> FastCGIServer.Incoming {
        for _ in 0..<100 {
            if let incoming = try server.next(timeoutMilliseconds: 50) { return incoming }
        }
        throw FastCGIError.system(call: "no request arrived", errno: ETIMEDOUT)
    }

    @Test func requestAndResponseRoundTrip() throws {
        let socket = try Socket()
        let server = try FastCGIServer(listenDescriptor: socket.listener, configuration: .init(maxBodyBytes: 1024))
        let body = Array(#"{"name": "Ana"}"#.utf8)
        let client = socket.send(
            params: [
                ("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/api/v1/assistants/?x=1"), ("DOCUMENT_URI", "/api/v1/assistants/"),
                ("QUERY_STRING", "x=1"), ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", "\(body.count)"),
                ("HTTP_X_API_KEY", "k"), ("REMOTE_ADDR", "127.0.0.1"),
            ], body: body)

        guard case .request(let request) = try next(server) else {
            Issue.record("expected a request")
            return
        }
        #expect(request.method == .post)
        #expect(request.path == "/api/v1/assistants/")
        #expect(request.queryValue("x") == "1")
        #expect(request.headers["X-API-Key"] == "k")
        #expect(Array(request.body) == body)

        var response = try Response.json(["ok": true], status: .created)
        response.headers.set("X-Request-ID", "r1")
        // "\r\n" is one Character: a check on Characters for "\r" or "\n" lets it through.
        response.headers.set("X-Echo", "a\r\nSet-Cookie: injected=1")
        #expect(server.respond(response))
        let output = client.response()
        #expect(output.contains("X-Echo: a  Set-Cookie: injected=1\r\n"))
        #expect(!output.contains("\r\nSet-Cookie"))
        #expect(output.hasPrefix("Status: 201 Created\r\n"))
        #expect(output.contains("Content-Type: application/json\r\n"))
        #expect(output.contains("Content-Length: 11\r\n"))
        #expect(output.hasSuffix("\r\n\r\n{\"ok\":true}"))
    }

    @Test func oversizedBodyIsRejectedAfterBeingConsumed() throws {
        let socket = try Socket()
        let server = try FastCGIServer(listenDescriptor: socket.listener, configuration: .init(maxBodyBytes: 1024))
        let body = [UInt8](repeating: 0x41, count: 200_000)
        let client = socket.send(
            params: [
                ("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/x"), ("CONTENT_LENGTH", "\(body.count)"),
            ], body: body)
        guard case .rejected(let error, let request) = try next(server) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.status == .payloadTooLarge)
        #expect(request.path == "/x")
        server.respond(Response.error(error))
        #expect(client.response().hasPrefix("Status: 413 Payload Too Large\r\n"))
    }

    @Test func bodyLargerThanDeclaredIsAlsoRejected() throws {
        let socket = try Socket()
        let server = try FastCGIServer(listenDescriptor: socket.listener, configuration: .init(maxBodyBytes: 1024))
        let client = socket.send(
            params: [("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/x"), ("CONTENT_LENGTH", "10")],
            body: [UInt8](repeating: 0x42, count: 5000))
        guard case .rejected(let error, _) = try next(server) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.status == .payloadTooLarge)
        server.respond(Response.error(error))
        _ = client.response()
    }

    @Test func clientThatHangsUpDoesNotStopTheServer() throws {
        let socket = try Socket()
        let server = try FastCGIServer(listenDescriptor: socket.listener)
        let gone = socket.send(params: [("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/first")], body: [], readAnswer: false)
        guard case .request = try next(server) else {
            Issue.record("expected a request")
            return
        }
        _ = gone.response()
        close(gone.descriptor)
        // A large response to a closed peer fails to write; the server must carry on.
        #expect(!server.respond(Response(body: Data(repeating: 0x43, count: 4 << 20))))

        let client = socket.send(params: [("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/second")], body: [])
        guard case .request(let request) = try next(server) else {
            Issue.record("expected a request")
            return
        }
        #expect(request.path == "/second")
        server.respond(Response(status: .noContent))
        #expect(client.response().hasPrefix("Status: 204 No Content\r\n"))
    }

    @Test func nothingQueuedReturnsNil() throws {
        let socket = try Socket()
        let server = try FastCGIServer(listenDescriptor: socket.listener)
        #expect(try server.next(timeoutMilliseconds: 0) == nil)
    }

    @Test func refusesADescriptorThatIsNotASocket() {
        #expect(throws: FastCGIError.self) { try FastCGIServer(listenDescriptor: -1) }
    }
}
