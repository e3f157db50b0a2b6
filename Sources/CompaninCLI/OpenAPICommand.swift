import ArgumentParser
import Companin

struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi", abstract: "Print the API's OpenAPI 3.1 document (what /api/v1/openapi.json serves).")

    func run() throws {
        print(APIDocument.json)
    }
}
