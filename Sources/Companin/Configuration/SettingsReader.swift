import Foundation

/// Reads settings from flags, then the environment, then their defaults, collecting every
/// problem instead of stopping at the first, and recording what each value is and where it
/// came from.
struct SettingsReader {
    let environment: [String: String]
    let flags: ConfigurationFlags
    private(set) var problems: [ConfigurationError.Problem] = []
    private(set) var entries: [String: ConfigurationEntry] = [:]

    init(environment: [String: String], flags: ConfigurationFlags) {
        self.environment = environment
        self.flags = flags
    }

    /// The setting's value; its default when it is unset or invalid (the problem is recorded).
    mutating func read<Value>(_ setting: Setting<Value>) -> Value {
        let (text, origin) = source(of: setting)
        var value = setting.defaultValue
        if let text {
            switch setting.parse(text) {
            case .success(let parsed):
                value = parsed
            case .failure(let failure):
                let message: String
                switch failure {
                case .invalid(let reason):
                    message = reason
                case .unexpected where setting.secrecy != .none:
                    message = "expected \(setting.expectation) (the value is secret, so it is not shown)"
                case .unexpected:
                    message = "expected \(setting.expectation), got \(Self.quote(text))"
                }
                problems.append(.init(setting: label(setting, origin), message: message))
            }
        }
        entries[setting.variable] = ConfigurationEntry(
            setting: setting, value: setting.display(value), origin: text == nil ? .default : origin)
        return value
    }

    /// How a problem names the setting: by its flag when a flag set it.
    func label(_ setting: any AnySetting, _ origin: SettingOrigin? = nil) -> String {
        if let flag = setting.flag, (origin ?? entries[setting.variable]?.origin) == .flag {
            return "--\(flag.name)"
        }
        return setting.variable
    }

    /// Whether the setting was given no value at all (not one that was refused).
    func isUnset(_ setting: some AnySetting) -> Bool {
        source(of: setting).0 == nil
    }

    mutating func problem(_ setting: any AnySetting, _ message: String) {
        problems.append(.init(setting: label(setting), message: message))
    }

    /// The trimmed text and its origin; an empty value counts as unset.
    private func source(of setting: some AnySetting) -> (String?, SettingOrigin) {
        for (value, origin) in [(flags.values[setting.variable], SettingOrigin.flag), (environment[setting.variable], .environment)] {
            if let text = value?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
                return (text, origin)
            }
        }
        return (nil, .default)
    }

    /// The value in quotes with escapes, cut short when long.
    static func quote(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)).debugDescription + "…" : text.debugDescription
    }
}
