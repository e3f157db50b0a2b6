import Foundation

extension CompaninConfiguration {
    /// The effective configuration for people: one line per setting with its value (secrets
    /// masked) and where it came from.
    public var report: String {
        let rows = entries.map { entry in
            [entry.setting.variable, entry.value ?? "(unset)", entry.originText]
        }
        let header = ["setting", "value", "origin"]
        let widths = (0..<2).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row[0].padding(toLength: widths[0], withPad: " ", startingAt: 0) + "  "
                + row[1].padding(toLength: widths[1], withPad: " ", startingAt: 0) + "  " + row[2]
        }.joined(separator: "\n")
    }

    /// The effective configuration for programs: `{"settings": [{"variable", "section", "flag",
    /// "value", "origin", "secret"}, …]}`, values as `report` shows them (`null` when unset).
    public var reportJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try! encoder.encode(["settings": entries.map(JSONEntry.init)])
        return String(decoding: data, as: UTF8.self)
    }

    /// The table of every setting in the README's form (Markdown).
    public static var markdownTable: String {
        var lines = ["| flag | environment | default | values | meaning |", "|---|---|---|---|---|"]
        for setting in Settings.all {
            var flag = ""
            if let option = setting.flag {
                let command = option.command == "serve" ? "" : "companin \(option.command) "
                flag = "`\(command)--\(option.name) \(option.valueName)`"
            }
            var meaning = setting.summary
            switch setting.secrecy {
            case .none: break
            case .whole: meaning += "; secret, shown as `***`"
            case .password: meaning += "; its password is secret, shown as `***`"
            }
            lines.append("| \(flag) | `\(setting.variable)` | \(setting.defaultText) | \(setting.expectation) | \(meaning) |")
        }
        return lines.joined(separator: "\n")
    }
}

extension ConfigurationEntry {
    /// `default`, `environment`, or `flag --name`.
    var originText: String {
        if origin == .flag, let flag = setting.flag { return "flag --\(flag.name)" }
        return origin.rawValue
    }
}

private struct JSONEntry: Encodable {
    let entry: ConfigurationEntry

    enum CodingKeys: String, CodingKey {
        case variable, section, flag, value, origin, secret
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entry.setting.variable, forKey: .variable)
        try container.encode(entry.setting.section, forKey: .section)
        try container.encode(entry.setting.flag.map { "--\($0.name)" }, forKey: .flag)
        try container.encode(entry.value, forKey: .value)
        try container.encode(entry.origin, forKey: .origin)
        try container.encode(entry.setting.secrecy != .none, forKey: .secret)
    }
}
