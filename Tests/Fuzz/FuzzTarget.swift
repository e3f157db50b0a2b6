import Foundation

/// The inputs the API takes from the network, each exercised from raw bytes. A target returns
/// normally for any input it accepts or refuses as documented; anything else stops the process
/// (`fail`), which libFuzzer reports as a crash and keeps the input.
enum FuzzTarget: String, CaseIterable {
    case fastcgiParams = "fastcgi-params"
    case multipart
    case jsonBodies = "json-bodies"
    case html
    case router

    func run(_ bytes: [UInt8]) {
        switch self {
        case .fastcgiParams: FastCGIParamsTarget.run(bytes)
        case .multipart: MultipartTarget.run(bytes)
        case .jsonBodies: JSONBodiesTarget.run(bytes)
        case .html: HTMLTarget.run(bytes)
        case .router: RouterTarget.run(bytes)
        }
    }
}

/// A broken invariant: the input is a bug, whatever the code under test made of it.
func fail(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("fuzz invariant: \(message())", file: file, line: line)
}

/// Splits fuzz input at its first newline: a short header line (a boundary, a method) and the rest.
func splitFirstLine(_ bytes: [UInt8], maximum: Int) -> (line: String, rest: [UInt8]) {
    guard let newline = bytes.prefix(maximum + 1).firstIndex(of: UInt8(ascii: "\n")) else {
        return ("", bytes)
    }
    return (String(decoding: bytes[..<newline], as: UTF8.self), Array(bytes[(newline + 1)...]))
}
