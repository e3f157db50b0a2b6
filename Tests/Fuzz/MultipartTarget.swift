import Foundation
import HTTP

@testable import Companin

/// An upload body: the first line is the boundary, the rest the `multipart/form-data` body. Parts
/// that parse go on to the Q&A CSV reader, the one upload handler that reads a part's content.
enum MultipartTarget {
    static func run(_ bytes: [UInt8]) {
        let (boundary, body) = splitFirstLine(bytes, maximum: 200)
        let request = Request(
            method: .post, path: "/api/v1/knowledge/qas/",
            headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"], body: Data(body))
        checkRefusal {
            let parts = try request.formParts()
            if parts.isEmpty || parts.count > Request.maximumFormParts { fail("\(parts.count) parts accepted") }
            let bytesInParts = parts.reduce(0) { $0 + $1.body.count }
            if bytesInParts > body.count { fail("parts hold \(bytesInParts) bytes of a \(body.count)-byte body") }
            _ = try QARoutes.csvInputs(request)
        }
    }
}
