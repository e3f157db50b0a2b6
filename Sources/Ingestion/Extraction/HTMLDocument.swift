import CLibXML2

/// The one place that touches libxml2: parses HTML bytes with the tolerant HTML parser (never the
/// network) and copies the tree into `HTMLNode`s, so the rest of extraction is plain Swift.
final class HTMLDocument {
    private let document: htmlDocPtr

    /// Parses `bytes` read in `encoding` (an iconv name such as `UTF-8` or `WINDOWS-1252`; the page's
    /// own `<meta charset>` is ignored, the caller has decided). Broken markup is repaired, never refused.
    init(bytes: [UInt8], encoding: String) throws(ExtractionError) {
        let options = Int32(
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOBLANKS.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)
        // HTML_PARSE_NOERROR does not cover encoding and I/O errors, which libxml2 prints to stderr
        // unless a structured handler takes them; this one drops them for the length of the parse.
        xmlSetStructuredErrorFunc(nil) { _, _ in }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        let parsed: htmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress?.withMemoryRebound(to: CChar.self, capacity: buffer.count) { base in
                htmlReadMemory(base, Int32(clamping: buffer.count), nil, encoding, options)
            }
        }
        document = try Self.check(parsed, call: "htmlReadMemory")
    }

    deinit { xmlFreeDoc(document) }

    /// Whether libxml2 (through iconv) can decode `encoding`.
    static func supportsEncoding(_ encoding: String) -> Bool {
        guard let handler = xmlFindCharEncodingHandler(encoding) else { return false }
        xmlCharEncCloseFunc(handler)
        return true
    }

    /// The one error mapping: libxml2 reports failure of a whole parse as a null document, which for
    /// the recovering HTML parser means there was nothing to parse (no bytes, or none it could decode).
    private static func check(_ document: htmlDocPtr?, call: String) throws(ExtractionError) -> htmlDocPtr {
        guard let document else {
            throw ExtractionError(code: "invalid_html", message: "The HTML page could not be parsed (\(call) returned no document).")
        }
        return document
    }

    /// The document as a tree of `HTMLNode`s rooted at a synthetic `#document` element: element names
    /// lower-cased, attributes kept, text and CDATA as text nodes, comments and processing instructions
    /// left out.
    func tree() -> HTMLNode {
        let root = HTMLNode(element: "#document")
        var stack: [(xmlNodePtr, HTMLNode)] = []
        if let first = document.pointee.children { stack.append((first, root)) }
        // Iterative walk over sibling chains: a pending entry is "the next sibling to copy into this parent".
        while let (node, parent) = stack.popLast() {
            if let next = node.pointee.next { stack.append((next, parent)) }
            switch node.pointee.type {
            case XML_ELEMENT_NODE:
                let element = HTMLNode(element: Self.string(node.pointee.name).lowercased(), attributes: Self.attributes(of: node))
                parent.append(element)
                if let child = node.pointee.children { stack.append((child, element)) }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content {
                    parent.append(HTMLNode(text: String(cString: content)))
                }
            default:
                continue
            }
        }
        return root
    }

    private static func attributes(of node: xmlNodePtr) -> [String: String] {
        var attributes: [String: String] = [:]
        var property = node.pointee.properties
        while let attribute = property {
            let name = string(attribute.pointee.name).lowercased()
            var value = ""
            var child = attribute.pointee.children
            while let text = child {
                if let content = text.pointee.content { value += String(cString: content) }
                child = text.pointee.next
            }
            if attributes[name] == nil { attributes[name] = value }
            property = attribute.pointee.next
        }
        return attributes
    }

    private static func string(_ characters: UnsafePointer<xmlChar>?) -> String {
        characters.map { String(cString: $0) } ?? ""
    }
}
