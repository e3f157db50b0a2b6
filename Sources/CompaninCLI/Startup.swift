import ArgumentParser
import Companin
import Foundation
import Logging

/// What every command does first: read the configuration once, and set up logging from it.
enum Startup {
    /// The configuration from `flags`, then the process's environment, then the defaults.
    static func configuration(_ flags: ConfigurationFlags = .init()) throws(ConfigurationError) -> CompaninConfiguration {
        try CompaninConfiguration(environment: ProcessInfo.processInfo.environment, flags: flags)
    }

    /// One log line per event on stderr, at the configured level.
    static func bootstrapLogging(_ level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    static func logger(_ label: String = "companin") -> Logger {
        var logger = Logger(label: label)
        logger[metadataKey: "pid"] = "\(ProcessInfo.processInfo.processIdentifier)"
        return logger
    }
}

extension Setting {
    /// The flag's long name, as the table declares it.
    var optionName: NameSpecification { .customLong(flag!.name) }

    /// The flag's help, from the table: what it sets, its variable and its default.
    var optionHelp: ArgumentHelp {
        let plain = summary.replacingOccurrences(of: "`", with: "")
        var text = plain.prefix(1).uppercased() + plain.dropFirst() + " (env \(variable)"
        if defaultText != "—" { text += "; default \(defaultText.replacingOccurrences(of: "`", with: ""))" }
        return ArgumentHelp(text + ").", valueName: flag!.valueName)
    }
}
