import ArgumentParser
import Companin
import Foundation
import Ingestion
import Logging
import POSIXSystem

/// What every command does first: read the configuration once, and set up logging from it.
enum Startup {
    /// The configuration from `flags`, then the process's environment, then the defaults.
    static func configuration(_ flags: ConfigurationFlags = .init()) throws(ConfigurationError) -> CompaninConfiguration {
        try CompaninConfiguration(environment: ProcessInfo.processInfo.environment, flags: flags)
    }

    /// One log line per event on stderr, at the configured level.
    static func bootstrapLogging(_ level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = EscapingLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
    }

    /// Marks a long-running process (master, responder, ingest worker) non-dumpable: it holds the
    /// database URL and secrets in its environment and memory, and no other process of its uid
    /// should read `/proc/PID/environ` or `mem`, or attach to it.
    static func protectProcess(_ logger: Logger) {
        do {
            try ProcessDumpability.disable()
        } catch {
            logger.warning("cannot mark the process non-dumpable", metadata: ["error": "\(error)"])
        }
    }

    /// The sandbox extractors run in, as configured: nil for `off`, and for `auto` where bwrap does
    /// not work here (said in a warning). Throws for `bwrap` when it cannot run.
    static func extractionSandbox(_ mode: ExtractionSandbox.Mode, logger: Logger) throws -> ExtractionSandbox? {
        do {
            let sandbox = try ExtractionSandbox.resolve(mode)
            if sandbox == nil, mode == .auto {
                logger.warning("extractors run without a sandbox: bwrap does not work here (COMPANIN_EXTRACTION_SANDBOX=auto)")
            }
            return sandbox
        } catch {
            throw ConfigurationError(
                setting: Settings.extractionSandbox.variable,
                message: "\(error); or choose auto or off to run extractors without the sandbox")
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
