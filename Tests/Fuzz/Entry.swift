import Foundation

#if FUZZING
    // Built with `-sanitize=fuzzer,address` (`scripts/fuzz`): libFuzzer's main drives the target that
    // `COMPANIN_FUZZ_TARGET` names.
    nonisolated(unsafe) private var selected: FuzzTarget?

    @_cdecl("LLVMFuzzerInitialize")
    public func initialize(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
    ) -> CInt {
        let name = ProcessInfo.processInfo.environment["COMPANIN_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(
                Data("COMPANIN_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        selected = target
        return 0
    }

    @_cdecl("LLVMFuzzerTestOneInput")
    public func testOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        selected?.run(bytes)
        return 0
    }
#else
    /// Without libFuzzer: `companin-fuzz TARGET PATH…` runs saved inputs (files, or directories of
    /// them) through a target, to replay a crash under a debugger or check the corpus in a plain build.
    @main struct Replay {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
                print("usage: companin-fuzz {\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))} PATH…")
                exit(2)
            }
            var count = 0
            for path in arguments.dropFirst() {
                for file in files(at: path) {
                    FileHandle.standardError.write(Data("\(file)\n".utf8))
                    target.run(Array(FileManager.default.contents(atPath: file) ?? Data()))
                    count += 1
                }
            }
            print("\(target.rawValue): \(count) inputs ran")
        }

        static func files(at path: String) -> [String] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
            guard isDirectory.boolValue else { return [path] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return names.sorted().map { path + "/" + $0 }.filter { !$0.hasSuffix("/README.md") }
        }
    }
#endif
