import Foundation

extension Extractors {
    /// CSV: the delimiter and header are detected; each row becomes `column: value` lines (header
    /// names, or `column_1…` without a header; empty values left out), rows separated by blank lines.
    static func csv(_ bytes: [UInt8]) -> Result<Extraction, ExtractionError> {
        let (decoded, encoding) = TextDecoding.decode(bytes[...])
        let utf8 = Array(decoded.utf8)[...]
        let delimiter = DelimitedText.detectDelimiter(utf8) ?? UInt8(ascii: ",")
        let records = DelimitedText.records(utf8, delimiter: delimiter)
        let header = DelimitedText.hasHeader(records)
        let names = header ? records[0].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } : []
        let columns = records.map(\.count).max() ?? 0

        var blocks: [String] = []
        for record in records.dropFirst(header ? 1 : 0) {
            var lines: [String] = []
            for (column, field) in record.enumerated() {
                let value = field.split(whereSeparator: \.isNewline).joined(separator: " ")
                    .trimmingCharacters(in: .whitespaces)
                guard !value.isEmpty else { continue }
                let name = column < names.count ? names[column] : "column_\(column + 1)"
                lines.append("\(name): \(value)")
            }
            if !lines.isEmpty { blocks.append(lines.joined(separator: "\n")) }
        }
        return .success(
            Extraction(
                text: blocks.joined(separator: "\n\n"),
                attributes: [
                    "encoding": encoding.rawValue,
                    "delimiter": String(UnicodeScalar(delimiter)),
                    "header": header ? "true" : "false",
                    "columns": String(max(columns, names.count)),
                    "rows": String(blocks.count),
                ]))
    }
}
