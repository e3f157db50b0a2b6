/// The values given on the command line, by setting: they override the environment.
public struct ConfigurationFlags: Sendable {
    var values: [String: String] = [:]

    public init() {}

    /// Records `value` for `setting` when the flag was given; its text is read like the
    /// environment's, so a flag is held to the same type and range.
    public mutating func set<Value>(_ setting: Setting<Value>, _ value: (some CustomStringConvertible)?) {
        guard let value else { return }
        precondition(setting.flag != nil, "\(setting.variable) has no flag")
        values[setting.variable] = value.description
    }
}
