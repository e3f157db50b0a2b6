import Synchronization

/// `createdByAPIKeyID` → `created_by_api_key_id`: a word starts at a lower-to-upper step and at
/// the last capital of a run followed by lowercase (`APIKey` → `api`, `key`); digits stay with
/// the word before them (`sha256`). Names already in snake_case come back unchanged.
///
/// One definition for the JSON encoder's keys and the database's column names, so a property is
/// spelt the same way in a response and in its table.
public func snakeCased(_ name: String) -> String {
    guard hasUpper(name) else { return name }
    // Every row decoded and every view encoded asks again for the same few hundred property
    // names, so each is converted once per process. The cap only guards against misuse.
    if let known = conversions.withLock({ $0[name] }) { return known }
    let converted = convert(name)
    conversions.withLock { if $0.count < 4_096 { $0[name] = converted } }
    return converted
}

private let conversions = Mutex<[String: String]>([:])

private func convert(_ name: String) -> String {
    let bytes = Array(name.utf8)
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count + 4)
    for (index, byte) in bytes.enumerated() {
        if isUpper(byte) {
            if index > 0 {
                let previous = bytes[index - 1]
                let nextIsLower = index + 1 < bytes.count && isLower(bytes[index + 1])
                if isLower(previous) || isDigit(previous) || (isUpper(previous) && nextIsLower) {
                    result.append(UInt8(ascii: "_"))
                }
            }
            result.append(byte + 32)
        } else {
            result.append(byte)
        }
    }
    return String(decoding: result, as: UTF8.self)
}

/// A plain loop: `utf8.contains(where:)` was a tenth of a row's decoding time.
private func hasUpper(_ name: String) -> Bool {
    var name = name
    return name.withUTF8 { bytes in
        for byte in bytes where isUpper(byte) { return true }
        return false
    }
}

private func isUpper(_ byte: UInt8) -> Bool { (65...90).contains(byte) }
private func isLower(_ byte: UInt8) -> Bool { (97...122).contains(byte) }
private func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
