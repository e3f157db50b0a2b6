/// One line of the effective configuration: a setting, its value as shown (secrets masked) and
/// where it came from.
public struct ConfigurationEntry: Sendable {
    public let setting: any AnySetting
    /// `nil` when the setting is unset.
    public let value: String?
    public let origin: SettingOrigin
}
