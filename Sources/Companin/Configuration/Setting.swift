import Foundation
import Ingestion
import MariaDB
import ResponderPool

/// One setting of the platform: the environment variable that sets it, the flag that overrides
/// it (if any), its type and allowed values, its default and what it means.
///
/// Every setting is declared once, in `Settings`; parsing, `companin config`, flag help and the
/// README's table all read that declaration.
public struct Setting<Value: Sendable>: AnySetting {
    public let variable: String
    public let flag: SettingFlag?
    public let section: SettingSection
    public let secrecy: SettingSecrecy
    public let defaultValue: Value
    /// The default as documentation shows it (`—` when there is none).
    public let defaultText: String
    /// What the setting means, in a phrase (Markdown).
    public let summary: String
    /// What a valid value looks like, e.g. "an integer from 1 to 256".
    public let expectation: String
    let parse: @Sendable (String) -> Result<Value, SettingFailure>
    let show: @Sendable (Value) -> String?

    init(
        _ variable: String, flag: SettingFlag? = nil, section: SettingSection, secrecy: SettingSecrecy = .none, default defaultValue: Value,
        defaultText: String? = nil, expectation: String, summary: String,
        parse: @escaping @Sendable (String) -> Result<Value, SettingFailure>,
        show: @escaping @Sendable (Value) -> String?
    ) {
        self.variable = variable
        self.flag = flag
        self.section = section
        self.secrecy = secrecy
        self.defaultValue = defaultValue
        self.defaultText = defaultText ?? show(defaultValue).map { "`\($0)`" } ?? "—"
        self.expectation = expectation
        self.summary = summary
        self.parse = parse
        self.show = show
    }

    /// The value as `companin config` prints it: secrets masked, `nil` when unset.
    func display(_ value: Value) -> String? {
        guard let shown = show(value) else { return nil }
        return secrecy == .whole ? "***" : shown
    }
}

/// A setting whatever its type, for tables and documentation.
public protocol AnySetting: Sendable {
    var variable: String { get }
    var flag: SettingFlag? { get }
    var section: SettingSection { get }
    var secrecy: SettingSecrecy { get }
    var defaultText: String { get }
    var summary: String { get }
    var expectation: String { get }
}

/// The command-line flag that overrides a setting.
public struct SettingFlag: Sendable, Equatable {
    /// The long name without dashes, e.g. `responders`.
    public let name: String
    /// The value's placeholder in help, e.g. `N`.
    public let valueName: String
    /// The command that takes the flag (`companin config` takes them all).
    public let command: String

    init(_ name: String, _ valueName: String, command: String = "serve") {
        self.name = name
        self.valueName = valueName
        self.command = command
    }
}

/// The part of the configuration a setting belongs to.
public enum SettingSection: String, Sendable, CaseIterable, Codable {
    case database, pool, limiter, knowledge, fetch, enrichment, replies, sessions, logging
}

/// What of a setting's value must never be shown.
public enum SettingSecrecy: String, Sendable, Codable {
    case none
    /// All of it (an API key): shown as `***`.
    case whole
    /// The password in it (a database URL): shown with the password as `***`.
    case password
}

/// Why a value was refused.
enum SettingFailure: Error {
    /// The value is not of the setting's form: the message says what was expected and quotes
    /// the value (unless it is secret).
    case unexpected
    /// The reason, which must not quote a secret value.
    case invalid(String)
}

/// Where a setting's value came from.
public enum SettingOrigin: String, Sendable, Codable {
    case `default`, environment, flag
}

// MARK: - Kinds of settings

extension Setting where Value == Int {
    /// An integer within `range`.
    static func integer(
        _ variable: String, flag: SettingFlag? = nil, section: SettingSection, default defaultValue: Int, in range: ClosedRange<Int>,
        summary: String
    ) -> Self {
        integer(
            variable, flag: flag, section: section, default: defaultValue, bounds: (range.lowerBound, range.upperBound),
            expectation: "an integer from \(range.lowerBound) to \(range.upperBound)", summary: summary)
    }

    /// An integer of at least `range.lowerBound`.
    static func integer(
        _ variable: String, flag: SettingFlag? = nil, section: SettingSection, default defaultValue: Int, in range: PartialRangeFrom<Int>,
        summary: String
    ) -> Self {
        integer(
            variable, flag: flag, section: section, default: defaultValue, bounds: (range.lowerBound, nil),
            expectation: "an integer of at least \(range.lowerBound)", summary: summary)
    }

    private static func integer(
        _ variable: String, flag: SettingFlag?, section: SettingSection, default defaultValue: Int, bounds: (Int, Int?),
        expectation: String, summary: String
    ) -> Self {
        Setting(
            variable, flag: flag, section: section, default: defaultValue, expectation: expectation, summary: summary,
            parse: { text in
                guard let value = Int(text), value >= bounds.0, bounds.1.map({ value <= $0 }) ?? true else { return .failure(.unexpected) }
                return .success(value)
            }, show: { "\($0)" })
    }

    /// Permission bits written in octal, e.g. `660`.
    static func octalMode(_ variable: String, flag: SettingFlag?, section: SettingSection, default defaultValue: Int, summary: String)
        -> Self
    {
        Setting(
            variable, flag: flag, section: section, default: defaultValue, expectation: "octal permissions from 0 to 777, e.g. 660",
            summary: summary,
            parse: { text in
                guard let value = Int(text, radix: 8), (0...0o777).contains(value) else { return .failure(.unexpected) }
                return .success(value)
            }, show: { String($0, radix: 8) })
    }
}

extension Setting where Value == Duration {
    /// Seconds, fractions allowed, greater than 0 and below a day.
    static func seconds(_ variable: String, section: SettingSection, default defaultValue: Duration, summary: String) -> Self {
        Setting(
            variable, section: section, default: defaultValue, expectation: "a number of seconds greater than 0 and below 86400",
            summary: summary,
            parse: { text in
                guard let value = Double(text), value.isFinite, value > 0, value < 86_400 else { return .failure(.unexpected) }
                return .success(.milliseconds(Int64((value * 1000).rounded(.up))))
            },
            show: { duration in
                let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
                return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)" : "\(Double(milliseconds) / 1000)"
            })
    }
}

extension Setting where Value == String {
    /// Free text with a default, e.g. a path.
    static func text(
        _ variable: String, flag: SettingFlag? = nil, section: SettingSection, default defaultValue: String, expectation: String = "a path",
        summary: String
    ) -> Self {
        Setting(
            variable, flag: flag, section: section, default: defaultValue, expectation: expectation, summary: summary,
            parse: { .success($0) }, show: { $0 })
    }
}

extension Setting where Value == String? {
    /// Free text, unset by default.
    static func optionalText(
        _ variable: String, flag: SettingFlag? = nil, section: SettingSection, defaultText: String? = nil, expectation: String,
        summary: String
    ) -> Self {
        Setting(
            variable, flag: flag, section: section, default: nil, defaultText: defaultText, expectation: expectation, summary: summary,
            parse: { .success($0) }, show: { $0 })
    }

    /// A host's name among others: 1 to 64 letters, digits, '.', '_' or '-'; unset by default
    /// (the configuration then takes the machine's host name).
    static func hostName(_ variable: String, section: SettingSection, summary: String) -> Self {
        Setting(
            variable, section: section, default: nil, defaultText: "the machine's host name",
            expectation: "1 to 64 letters, digits, '.', '_' or '-'", summary: summary,
            parse: { text in
                let plain = text.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2E || byte == 0x5F
                        || byte == 0x2D
                }
                return plain && (1...64).contains(text.utf8.count) ? .success(text) : .failure(.unexpected)
            }, show: { $0 })
    }

    /// A secret (an API key), unset by default; never shown, never quoted in an error.
    static func secret(_ variable: String, section: SettingSection, defaultText: String? = nil, summary: String) -> Self {
        Setting(
            variable, section: section, secrecy: .whole, default: nil, defaultText: defaultText, expectation: "a key", summary: summary,
            parse: { .success($0) }, show: { $0 })
    }

    /// An `http://` or `https://` URL, unset by default.
    static func httpURL(_ variable: String, section: SettingSection, defaultText: String? = nil, summary: String) -> Self {
        Setting(
            variable, section: section, default: nil, defaultText: defaultText, expectation: "a URL starting with http:// or https://",
            summary: summary,
            parse: { text in
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased()), url.host?.isEmpty == false else {
                    return .failure(.unexpected)
                }
                return .success(text)
            }, show: { $0 })
    }
}

extension Setting where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
    /// One of the type's cases, by name, in any letter case.
    static func choice(_ variable: String, section: SettingSection, default defaultValue: Value, summary: String) -> Self {
        Setting(
            variable, section: section, default: defaultValue,
            expectation: "one of " + Value.allCases.map(\.rawValue).joined(separator: ", "), summary: summary,
            parse: { text in Value(rawValue: text.lowercased()).map { .success($0) } ?? .failure(.unexpected) },
            show: { $0.rawValue })
    }
}

extension Setting where Value == DatabaseConfiguration? {
    /// A `mariadb://` URL, unset by default; shown and reported without its password.
    static func databaseURL(_ variable: String, section: SettingSection, defaultText: String, summary: String) -> Self {
        Setting(
            variable, section: section, secrecy: .password, default: nil, defaultText: defaultText,
            expectation: "mariadb://USER:PASSWORD@HOST:PORT/DB or mariadb://USER:PASSWORD@localhost/DB?socket=PATH", summary: summary,
            parse: { text in
                do {
                    return .success(try DatabaseConfiguration(url: text))
                } catch let error as DatabaseError {
                    // DatabaseConfiguration's errors never quote the URL, which holds the password.
                    return .failure(.invalid(error.message))
                } catch {
                    return .failure(.invalid("invalid database URL"))
                }
            }, show: { $0.map(Self.describe) })
    }

    /// The URL form with the password masked, and the timeouts that are not the defaults.
    private static func describe(_ configuration: DatabaseConfiguration) -> String {
        let standard = DatabaseConfiguration(user: "", database: "")
        let timeouts = [
            ("connect_timeout", configuration.connectTimeout, standard.connectTimeout),
            ("read_timeout", configuration.readTimeout, standard.readTimeout),
            ("write_timeout", configuration.writeTimeout, standard.writeTimeout),
        ].filter { $0.1 != $0.2 }.map { "\($0.0)=\($0.1)" }
        guard !timeouts.isEmpty else { return configuration.description }
        let separator = configuration.unixSocket == nil ? "?" : "&"
        return configuration.description + separator + timeouts.joined(separator: "&")
    }
}

extension Setting where Value == ListenAddress? {
    /// `HOST:PORT` or `[IPv6]:PORT`, unset by default.
    static func tcpAddress(_ variable: String, flag: SettingFlag, section: SettingSection, summary: String) -> Self {
        Setting(
            variable, flag: flag, section: section, default: nil, expectation: "HOST:PORT, e.g. 127.0.0.1:9000", summary: summary,
            parse: { text in (try? ListenAddress.tcp(text)).map { .success($0) } ?? .failure(.unexpected) },
            show: { $0?.description })
    }
}

extension Setting where Value == [IPNetwork] {
    /// CIDR blocks (or single addresses) separated by commas or spaces, none by default.
    static func networks(_ variable: String, section: SettingSection, summary: String) -> Self {
        let expectation = "CIDR blocks separated by commas or spaces (e.g. 127.0.0.1/32,::1/128)"
        return Setting(
            variable, section: section, default: [], expectation: expectation, summary: summary,
            parse: { text in
                var networks: [IPNetwork] = []
                var refused: [String] = []
                for entry in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
                    if let network = IPNetwork(cidr: String(entry)) {
                        networks.append(network)
                    } else {
                        refused.append(String(entry.prefix(60)).debugDescription)
                    }
                }
                guard refused.isEmpty else {
                    return .failure(.invalid("expected \(expectation), got \(refused.joined(separator: ", "))"))
                }
                return .success(networks)
            }, show: { $0.isEmpty ? nil : $0.map(\.description).joined(separator: ",") })
    }
}

extension Setting where Value == String? {
    /// `name=number` pairs of `ReplyThresholds`, unset by default.
    static func replyThresholds(_ variable: String, section: SettingSection, defaultText: String, summary: String) -> Self {
        Setting(
            variable, section: section, default: nil, defaultText: defaultText,
            expectation: "name=number pairs separated by commas (a number or off), the names among "
                + ReplyThresholds.settingNames.joined(separator: ", "),
            summary: summary,
            parse: { text in ReplyThresholds(parsing: text, base: .lexical) == nil ? .failure(.unexpected) : .success(text) },
            show: { $0 })
    }
}
