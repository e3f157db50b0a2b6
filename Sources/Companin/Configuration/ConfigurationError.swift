/// Everything wrong with a configuration, each problem naming the variable (or flag) and, unless
/// the setting is secret, the value.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The environment variable, or the flag (`--responders`) when a flag set the value.
        public var setting: String
        public var message: String

        public init(setting: String, message: String) {
            self.setting = setting
            self.message = message
        }

        public var description: String { "\(setting): \(message)" }
    }

    public var problems: [Problem]

    public init(_ problems: [Problem]) {
        self.problems = problems
    }

    public init(setting: String, message: String) {
        self.init([Problem(setting: setting, message: message)])
    }

    /// One line per problem; several are introduced by their count.
    public var description: String {
        guard problems.count != 1 else { return problems[0].description }
        return "\(problems.count) configuration problems:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
