import Foundation
import HTTP
import Testing

@Suite struct ErrorShapeTests {
    func jsonRequest(_ body: String, contentType: String? = "application/json") -> Request {
        var headers = HTTPHeaders()
        if let contentType { headers.add("Content-Type", contentType) }
        return Request(method: .post, path: "/x", headers: headers, body: Data(body.utf8))
    }

    @Test func validationErrorsUseTheNinjaShape() throws {
        let response = Response.error(
            ValidationError([
                FieldError(loc: [.key("body"), .key("name")], msg: "Field required", type: "missing"),
                FieldError(
                    loc: [.key("body"), .key("task_templates"), .index(1), .key("template")], msg: "Field required", type: "missing"),
            ]))
        #expect(response.status == .unprocessableEntity)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(
            String(decoding: response.body, as: UTF8.self) == """
                {"detail":[{"loc":["body","name"],"msg":"Field required","type":"missing"},\
                {"loc":["body","task_templates",1,"template"],"msg":"Field required","type":"missing"}]}
                """)
    }

    @Test func httpErrorsCarryDetailAndHeaders() throws {
        let response = Response.error(HTTPError.serviceUnavailable(retryAfter: 5))
        #expect(response.status.code == 503)
        #expect(response.headers["Retry-After"] == "5")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"detail":"Service Unavailable"}"#)
    }

    @Test func bodyMustBeJSON() throws {
        #expect(throws: HTTPError(.unsupportedMediaType, detail: "Content-Type must be application/json")) {
            try jsonRequest("{}", contentType: "text/plain").jsonBody()
        }
        #expect(throws: HTTPError(.unsupportedMediaType, detail: "Content-Type must be application/json")) {
            try jsonRequest("{}", contentType: nil).jsonBody()
        }
        #expect(throws: HTTPError(.badRequest, detail: "Malformed JSON body")) {
            try jsonRequest("{\"name\": ").jsonBody()
        }
        #expect(
            try jsonRequest("{\"a\": 1}", contentType: "application/json; charset=utf-8").jsonBody()
                == .object(["a": .int(1)]))
    }

    @Test func deeplyNestedJSONIsRefused() throws {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(throws: HTTPError(.badRequest, detail: "JSON nested deeper than 32 levels")) {
            try jsonRequest(deep).jsonBody()
        }
    }

    @Test func nonObjectBodyIs422AtBody() throws {
        #expect(throws: ValidationError([FieldError(loc: [.key("body")], msg: "Input should be a valid dictionary", type: "dict_type")])) {
            try jsonRequest("[1, 2]").jsonObjectBody()
        }
    }

    @Test func fieldReaderCollectsEveryProblem() throws {
        var reader = try jsonRequest(#"{"name": 5, "flag": "yes", "extra": 1, "items": [{"n": ""}, 3]}"#).jsonObjectBody()
        _ = reader.string("name", required: true, maxLength: 10)
        _ = reader.string("title", required: true, maxLength: 10)
        _ = reader.bool("flag")
        _ = reader.objects("items", maxItems: 5) { item in item.string("n", required: true, minLength: 1, maxLength: 3) }
        #expect(
            throws: ValidationError([
                FieldError(loc: [.key("body"), .key("name")], msg: "Input should be a valid string", type: "string_type"),
                FieldError(loc: [.key("body"), .key("title")], msg: "Field required", type: "missing"),
                FieldError(loc: [.key("body"), .key("flag")], msg: "Input should be a valid boolean", type: "bool_type"),
                FieldError(
                    loc: [.key("body"), .key("items"), .index(0), .key("n")], msg: "String should have at least 1 character",
                    type: "string_too_short"),
                FieldError(loc: [.key("body"), .key("items"), .index(1)], msg: "Input should be a valid dictionary", type: "dict_type"),
                FieldError(loc: [.key("body"), .key("extra")], msg: "Extra inputs are not permitted", type: "extra_forbidden"),
            ])
        ) {
            try reader.finish()
        }
    }

    @Test func paginationValidatesQuery() throws {
        #expect(try Pagination(Request(method: .get, path: "/", query: "limit=20&offset=40")) == Pagination(limit: 20, offset: 40))
        #expect(try Pagination(Request(method: .get, path: "/")) == Pagination(limit: 100, offset: 0))
        #expect(
            throws: ValidationError([
                FieldError(
                    loc: [.key("query"), .key("limit")], msg: "Input should be less than or equal to 1000", type: "less_than_equal"),
                FieldError(
                    loc: [.key("query"), .key("offset")], msg: "Input should be a valid integer, unable to parse string as an integer",
                    type: "int_parsing"),
            ])
        ) {
            try Pagination(Request(method: .get, path: "/", query: "limit=5000&offset=abc"))
        }
    }

    @Test func queryItemsArePercentDecoded() {
        let request = Request(method: .get, path: "/", query: "q=caf%C3%A9+au+lait&empty=&flag")
        #expect(request.queryValue("q") == "café au lait")
        #expect(request.queryValue("empty") == "")
        #expect(request.queryValue("flag") == "")
        #expect(request.queryValue("missing") == nil)
    }

    @Test func jsonValueSerializesCanonically() throws {
        let value = try JSONValue.parse(Data(#"{"b": [1, 2.5, true, null], "a": "x\"\n\u0001"}"#.utf8))
        #expect(value.serialized == #"{"a":"x\"\n\u0001","b":[1,2.5,true,null]}"#)
        #expect(try JSONValue.parse(Data(value.serialized.utf8)) == value)
    }

    @Test func timestampsAreUTCWithSeconds() {
        let date = Date(timeIntervalSince1970: 1_795_542_703.25)
        #expect(Timestamp.format(date) == "2026-11-24T17:51:43Z")
        #expect(Timestamp.parse("2026-11-24T17:51:43Z") == Date(timeIntervalSince1970: 1_795_542_703))
        #expect(Timestamp.parse("2026-11-24T17:51:43.250Z") == date)
        #expect(Timestamp.parse("yesterday") == nil)
    }
}

@Suite struct OrderedJSONEncoderTests {
    struct Inner: Encodable {
        var zeta = 1
        var alpha: String? = nil
        var when = Date(timeIntervalSince1970: 1_795_542_703)
    }

    struct Outer: Encodable {
        enum CodingKeys: String, CodingKey {
            case items, count
            case identifier = "id"
            case tags, extra, ratio, flag
        }
        var items = [Inner(), Inner(zeta: 2, alpha: "é\"\n")]
        var count = 2
        var identifier = UUID(uuidString: "6F1C2B3A-0000-4000-8000-00000000000A")!
        var tags = ["b": JSONValue.int(1), "a": .array([.null, .bool(true)])]
        var extra: JSONValue = .object(["y": .double(1.5), "x": .string("s")])
        var ratio = 0.25
        var flag = false
    }

    /// Also: an optional property that is `nil` is written as `null`, not left out.
    @Test func keysFollowDeclarationOrderAndDictionariesAreSorted() throws {
        let text = String(decoding: try OrderedJSONEncoder().encode(Outer()), as: UTF8.self)
        #expect(
            text == """
                {"items":[{"zeta":1,"alpha":null,"when":"2026-11-24T17:51:43Z"},{"zeta":2,"alpha":"é\\"\\n","when":"2026-11-24T17:51:43Z"}],\
                "count":2,"id":"6f1c2b3a-0000-4000-8000-00000000000a","tags":{"a":[null,true],"b":1},\
                "extra":{"x":"s","y":1.5},"ratio":0.25,"flag":false}
                """)
        #expect(try JSONValue.parse(Data(text.utf8)).objectValue?["count"] == .int(2))
    }

    @Test func pagesPutItemsFirst() throws {
        let body = try Response.json(Page<Inner>(items: [], count: 0)).body
        #expect(String(decoding: body, as: UTF8.self) == #"{"items":[],"count":0}"#)
    }

    @Test func topLevelScalarsAndArrays() throws {
        #expect(String(decoding: try OrderedJSONEncoder().encode([1, 2]), as: UTF8.self) == "[1,2]")
        #expect(String(decoding: try OrderedJSONEncoder().encode("x"), as: UTF8.self) == #""x""#)
        #expect(throws: EncodingError.self) { try OrderedJSONEncoder().encode(Double.nan) }
    }
}
