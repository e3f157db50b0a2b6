/// BCP 47 (RFC 5646) language tags: checks that a tag is well-formed and returns it in canonical
/// case (`pt-BR`, `zh-Hant-TW`, `sr-Latn-RS`), so stored tags compare equal however clients typed them.
enum LanguageTag {
    static let maximumLength = 35

    /// The canonical form of `text`, or `nil` when it is not a well-formed tag.
    static func canonical(_ text: String) -> String? {
        guard !text.isEmpty, text.count <= maximumLength, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else {
            return nil
        }
        let subtags = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.lowercased() }
        guard !subtags.contains(where: \.isEmpty) else { return nil }
        if subtags[0] == "x" { return privateUse(subtags[...]).map { $0.joined(separator: "-") } }

        var output: [String] = []
        var rest = subtags[...]
        // language: 2–3 letters (+ up to three 3-letter extlangs), or 4–8 letters
        guard let language = rest.popFirst(), isAlpha(language), (2...8).contains(language.count) else { return nil }
        output.append(language)
        if language.count <= 3 {
            var extlangs = 0
            while let next = rest.first, next.count == 3, isAlpha(next), extlangs < 3 {
                output.append(next)
                rest.removeFirst()
                extlangs += 1
            }
        }
        if let next = rest.first, next.count == 4, isAlpha(next) {
            output.append(next.prefix(1).uppercased() + next.dropFirst())
            rest.removeFirst()
        }
        if let next = rest.first, (next.count == 2 && isAlpha(next)) || (next.count == 3 && isDigit(next)) {
            output.append(next.uppercased())
            rest.removeFirst()
        }
        var variants: Set<String> = []
        while let next = rest.first, isVariant(next) {
            guard variants.insert(next).inserted else { return nil }
            output.append(next)
            rest.removeFirst()
        }
        var singletons: Set<String> = []
        while let singleton = rest.first, singleton.count == 1, singleton != "x" {
            guard singletons.insert(singleton).inserted else { return nil }
            rest.removeFirst()
            output.append(singleton)
            var parts = 0
            while let part = rest.first, (2...8).contains(part.count) {
                output.append(part)
                rest.removeFirst()
                parts += 1
            }
            guard parts > 0 else { return nil }
        }
        if rest.first == "x" {
            guard let tail = privateUse(rest) else { return nil }
            output += tail
            rest = []
        }
        return rest.isEmpty ? output.joined(separator: "-") : nil
    }

    private static func privateUse(_ subtags: ArraySlice<String>) -> [String]? {
        guard subtags.count >= 2, subtags.dropFirst().allSatisfy({ (1...8).contains($0.count) }) else { return nil }
        return Array(subtags)
    }

    private static func isVariant(_ subtag: String) -> Bool {
        (5...8).contains(subtag.count) || (subtag.count == 4 && subtag.first!.isNumber)
    }

    private static func isAlpha(_ subtag: String) -> Bool { subtag.allSatisfy(\.isLetter) }
    private static func isDigit(_ subtag: String) -> Bool { subtag.allSatisfy(\.isNumber) }
}
