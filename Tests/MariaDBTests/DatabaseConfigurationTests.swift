import MariaDB
import Testing

@Suite("DatabaseConfiguration URL parsing")
struct DatabaseConfigurationTests {
    @Test func parsesUserPasswordHostPortAndDatabase() throws {
        let configuration = try DatabaseConfiguration(url: "mariadb://app:s3cr3t@db.example.com:3307/companin")
        #expect(configuration.user == "app")
        #expect(configuration.password == "s3cr3t")
        #expect(configuration.host == "db.example.com")
        #expect(configuration.port == 3307)
        #expect(configuration.database == "companin")
        #expect(configuration.unixSocket == nil)
        #expect(configuration.connectTimeout == 3)
        #expect(configuration.readTimeout == 30)
        #expect(configuration.writeTimeout == 30)
    }

    @Test func parsesUserWithoutPasswordAndSocket() throws {
        let configuration = try DatabaseConfiguration(url: "mariadb://root@localhost/companin_test?socket=/tmp/mdb/sock")
        #expect(configuration.user == "root")
        #expect(configuration.password == nil)
        #expect(configuration.host == "localhost")
        #expect(configuration.port == 3306)
        #expect(configuration.database == "companin_test")
        #expect(configuration.unixSocket == "/tmp/mdb/sock")
    }

    @Test func acceptsMySQLSchemeAndDefaultPort() throws {
        let configuration = try DatabaseConfiguration(url: "mysql://u@127.0.0.1/d")
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 3306)
    }

    @Test func percentDecodesCredentialsAndSocket() throws {
        let configuration = try DatabaseConfiguration(
            url: "mariadb://us%20er:p%40ss%3Aw%2Frd%C3%A9@h/db?socket=%2Frun%2Fmy%20sock"
        )
        #expect(configuration.user == "us er")
        #expect(configuration.password == "p@ss:w/rdé")
        #expect(configuration.unixSocket == "/run/my sock")
    }

    @Test func emptyPasswordIsKeptDistinctFromNone() throws {
        let configuration = try DatabaseConfiguration(url: "mariadb://u:@h/d")
        #expect(configuration.password == "")
    }

    @Test func parsesIPv6AndTimeouts() throws {
        let configuration = try DatabaseConfiguration(
            url: "mariadb://u@[::1]:3310/d?connect_timeout=5&read_timeout=60&write_timeout=7"
        )
        #expect(configuration.host == "::1")
        #expect(configuration.port == 3310)
        #expect(configuration.connectTimeout == 5)
        #expect(configuration.readTimeout == 60)
        #expect(configuration.writeTimeout == 7)
        #expect(configuration.description == "mariadb://u@[::1]:3310/d")
    }

    @Test(arguments: [
        "",
        "companin",
        "http://u@h/d",
        "mariadb://h/d",
        "mariadb://@h/d",
        "mariadb://u@h",
        "mariadb://u@h/",
        "mariadb://u@h:0/d",
        "mariadb://u@h:65536/d",
        "mariadb://u@h:port/d",
        "mariadb://u@h/d?timeout=3",
        "mariadb://u@h/d?socket=",
        "mariadb://u@h/d?connect_timeout=-1",
        "mariadb://u:%zz@h/d",
        "mariadb://u@h/a/b",
        "mariadb://u@h/d#fragment",
        "mariadb://u@[::1/d",
    ])
    func rejectsBadURLs(_ url: String) {
        #expect(throws: DatabaseError.self) {
            try DatabaseConfiguration(url: url)
        }
    }

    @Test func errorsNeverQuoteThePassword() {
        do {
            _ = try DatabaseConfiguration(url: "mariadb://u:hunter2@h:99999/d")
            Issue.record("expected an error")
        } catch let error as DatabaseError {
            #expect(error.kind == .configuration)
            #expect(!error.description.contains("hunter2"))
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test func descriptionAndReflectionHideThePassword() throws {
        let configuration = try DatabaseConfiguration(url: "mariadb://app:hunter2@db:3307/companin")
        #expect(configuration.description == "mariadb://app:***@db:3307/companin")
        #expect(!String(reflecting: configuration).contains("hunter2"))
        #expect(!"\(configuration)".contains("hunter2"))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(dumped.contains("app"))

        let socket = try DatabaseConfiguration(url: "mariadb://root@localhost/t?socket=/tmp/s.sock")
        #expect(socket.description == "mariadb://root@localhost/t?socket=/tmp/s.sock")
    }
}
