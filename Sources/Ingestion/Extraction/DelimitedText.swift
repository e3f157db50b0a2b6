import Foundation

/// CSV-style records: quote-aware splitting (RFC 4180, leniently), delimiter and header detection.
/// Works on bytes, so UTF-8 and single-byte encodings split the same way: delimiters, quotes and
/// line breaks are ASCII.
enum DelimitedText {
    /// Comma, semicolon, tab, pipe: in this order of preference when they tie.
    static let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]

    /// How much of a file the delimiter detection reads, and how many records it compares.
    static let sampleBytes = 64 * 1024
    static let sampleRecords = 20

    /// The delimiter that splits the first records of `bytes` into the same number (at least two)
    /// of fields, or nil when none does. Needs at least two records; with several candidates the one
    /// giving the most fields wins.
    static func detectDelimiter(_ bytes: ArraySlice<UInt8>) -> UInt8? {
        let sample = bytes.prefix(sampleBytes)
        let cut = sample.count < bytes.count
        var best: (delimiter: UInt8, fields: Int)?
        for delimiter in delimiters {
            var counts = fieldCounts(sample, delimiter: delimiter, limit: sampleRecords + 1)
            if counts.count > sampleRecords {
                counts.removeLast()  // stopped early: the records kept are complete
            } else if cut && !counts.isEmpty {
                counts.removeLast()  // ran into the end of the sample: the last record may be partial
            }
            guard counts.count >= 2, let first = counts.first, first >= 2, counts.allSatisfy({ $0 == first }) else { continue }
            if best == nil || first > best!.fields { best = (delimiter, first) }
        }
        return best?.delimiter
    }

    /// Field counts of the first `limit` records, ignoring trailing empty lines.
    private static func fieldCounts(_ bytes: ArraySlice<UInt8>, delimiter: UInt8, limit: Int) -> [Int] {
        var counts: [Int] = []
        var blankLines = 0
        forEachRecord(bytes, delimiter: delimiter) { fields in
            if fields.count == 1 && fields[0].isEmpty {
                blankLines += 1
            } else {
                counts.append(contentsOf: repeatElement(1, count: blankLines))
                blankLines = 0
                counts.append(fields.count)
            }
            return counts.count < limit
        }
        return counts
    }

    /// Splits `bytes` into records of fields, as UTF-8 strings with quotes undone. Empty lines are
    /// skipped.
    static func records(_ bytes: ArraySlice<UInt8>, delimiter: UInt8) -> [[String]] {
        var records: [[String]] = []
        forEachRecord(bytes, delimiter: delimiter) { fields in
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(fields.map { String(decoding: $0, as: UTF8.self) })
            }
            return true
        }
        return records
    }

    /// Calls `body` with each record's fields until it returns false. A quoted field runs to its
    /// closing quote, across delimiters and line breaks; `""` inside it is one quote; text after the
    /// closing quote is kept. Records end at `\n`, `\r\n` or `\r`.
    private static func forEachRecord(_ bytes: ArraySlice<UInt8>, delimiter: UInt8, _ body: ([[UInt8]]) -> Bool) {
        let quote = UInt8(ascii: "\"")
        let lf = UInt8(ascii: "\n")
        let cr = UInt8(ascii: "\r")
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var inQuotes = false
        var atFieldStart = true
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if inQuotes {
                if byte == quote {
                    if index < bytes.endIndex && bytes[index] == quote {
                        field.append(quote)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case quote where atFieldStart:
                inQuotes = true
                atFieldStart = false
            case delimiter:
                fields.append(field)
                field = []
                atFieldStart = true
            case lf, cr:
                if byte == cr && index < bytes.endIndex && bytes[index] == lf { index += 1 }
                fields.append(field)
                field = []
                atFieldStart = true
                guard body(fields) else { return }
                fields = []
            default:
                field.append(byte)
                atFieldStart = false
            }
        }
        if !fields.isEmpty || !field.isEmpty {
            fields.append(field)
            _ = body(fields)
        }
    }

    /// Whether the first record names the columns: every field is non-empty, unique and not a number
    /// or date, and no field reappears as a value of its column in the following records.
    static func hasHeader(_ records: [[String]]) -> Bool {
        guard records.count >= 2, let first = records.first else { return false }
        let names = first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard names.allSatisfy({ !$0.isEmpty && !looksNumeric($0) }),
            Set(names.map { $0.lowercased() }).count == names.count
        else { return false }
        for record in records.dropFirst().prefix(sampleRecords) {
            for (column, value) in record.enumerated() where column < names.count {
                if value.trimmingCharacters(in: .whitespacesAndNewlines) == names[column] { return false }
            }
        }
        return true
    }

    /// Digits with the punctuation of numbers, amounts, dates and times: `1.250,50`, `-3`, `2026-11-24`, `50%`.
    static func looksNumeric(_ value: String) -> Bool {
        var digits = 0
        for scalar in value.unicodeScalars {
            switch scalar {
            case "0"..."9": digits += 1
            case ".", ",", "-", "+", "/", ":", " ", "%", "€", "$", "£", "e", "E": continue
            default: return false
            }
        }
        return digits > 0
    }
}
