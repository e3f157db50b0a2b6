import ArgumentParser
import ResponderPool

/// The scoreboard slot `serve` hands to each child it spawns; absent when a child runs alone.
struct ScoreboardOptions: ParsableArguments {
    @Option(help: .hidden) var scoreboardFd: Int32?
    @Option(help: .hidden) var scoreboardSlots: Int?
    @Option(help: .hidden) var scoreboardSlot: Int?

    var slot: ResponderProcess.Slot? {
        guard let scoreboardFd, let scoreboardSlots, let scoreboardSlot else { return nil }
        return .init(descriptor: scoreboardFd, slots: scoreboardSlots, index: scoreboardSlot)
    }
}
