/// Width and height read from an image's header, so oversized images are refused before any
/// decoder allocates their pixels.
struct ImageDimensions: Equatable, Sendable {
    enum Format: String, Sendable { case png, jpeg, webp }

    var format: Format
    var width: Int
    var height: Int

    /// width × height; saturates instead of overflowing.
    var pixels: Int {
        let (product, overflow) = width.multipliedReportingOverflow(by: height)
        return overflow ? Int.max : product
    }

    /// Reads PNG IHDR, JPEG SOFn or WebP VP8/VP8L/VP8X; nil when the header is missing, cut short or
    /// claims a zero dimension.
    static func read(_ bytes: [UInt8]) -> ImageDimensions? {
        let found: ImageDimensions?
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            found = png(bytes)
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            found = jpeg(bytes)
        } else if bytes.count >= 12 && bytes.starts(with: Array("RIFF".utf8)) && Array(bytes[8..<12]) == Array("WEBP".utf8) {
            found = webp(bytes)
        } else {
            found = nil
        }
        guard let found, found.width > 0, found.height > 0 else { return nil }
        return found
    }

    /// The first chunk must be IHDR: width and height are big-endian 32-bit at offsets 16 and 20.
    private static func png(_ bytes: [UInt8]) -> ImageDimensions? {
        guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
        return ImageDimensions(format: .png, width: bigEndian(bytes, 16, 4), height: bigEndian(bytes, 20, 4))
    }

    /// Walks the marker segments up to the first start-of-frame (SOF0–SOF15 except DHT, JPG and DAC).
    private static func jpeg(_ bytes: [UInt8]) -> ImageDimensions? {
        var index = 2
        while index + 1 < bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            var marker = bytes[index + 1]
            index += 2
            while marker == 0xFF {  // fill bytes
                guard index < bytes.count else { return nil }
                marker = bytes[index]
                index += 1
            }
            switch marker {
            case 0x01, 0xD0...0xD7: continue  // no length
            case 0xD9, 0xDA: return nil  // end of image or start of scan before any frame header
            default: break
            }
            guard index + 2 <= bytes.count else { return nil }
            let length = bigEndian(bytes, index, 2)
            guard length >= 2 else { return nil }
            if (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
                guard index + 7 <= bytes.count else { return nil }
                return ImageDimensions(format: .jpeg, width: bigEndian(bytes, index + 5, 2), height: bigEndian(bytes, index + 3, 2))
            }
            index += length
        }
        return nil
    }

    /// The first chunk after `WEBP` decides: lossy `VP8 `, lossless `VP8L` or extended `VP8X`.
    private static func webp(_ bytes: [UInt8]) -> ImageDimensions? {
        guard bytes.count >= 30 else { return nil }
        let chunk = String(decoding: bytes[12..<16], as: UTF8.self)
        let data = 20
        switch chunk {
        case "VP8 ":
            guard bytes[data + 3] == 0x9D, bytes[data + 4] == 0x01, bytes[data + 5] == 0x2A else { return nil }
            return ImageDimensions(
                format: .webp, width: littleEndian(bytes, data + 6, 2) & 0x3FFF,
                height: littleEndian(bytes, data + 8, 2) & 0x3FFF)
        case "VP8L":
            guard bytes[data] == 0x2F else { return nil }
            let bits = littleEndian(bytes, data + 1, 4)
            return ImageDimensions(format: .webp, width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            return ImageDimensions(
                format: .webp, width: littleEndian(bytes, data + 4, 3) + 1,
                height: littleEndian(bytes, data + 7, 3) + 1)
        default:
            return nil
        }
    }

    private static func bigEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int {
        bytes[offset..<offset + count].reduce(0) { $0 << 8 | Int($1) }
    }

    private static func littleEndian(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int {
        bytes[offset..<offset + count].reversed().reduce(0) { $0 << 8 | Int($1) }
    }
}
