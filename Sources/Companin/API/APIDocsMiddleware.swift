import Foundation
import HTTP

/// Serves the contract and its human page without an API key: `GET /api/v1/openapi.json` and
/// `GET /api/v1/docs` (a static page with its own script and style, no CDN, nothing inline, so it
/// works under a strict Content-Security-Policy). Everything else passes on.
struct APIDocsMiddleware: Middleware {
    /// Rendered once per responder: the contract does not change while it runs.
    static let document = Data(APIContract.document.serialized.utf8)

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) throws -> Response) throws -> Response {
        let path = request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        let asset: (type: String, body: Data)?
        switch path {
        case "/api/v1/openapi.json": asset = ("application/json", Self.document)
        case "/api/v1/docs": asset = ("text/html; charset=utf-8", Data(APIDocsPage.html.utf8))
        case "/api/v1/docs/docs.js": asset = ("text/javascript; charset=utf-8", Data(APIDocsPage.script.utf8))
        case "/api/v1/docs/docs.css": asset = ("text/css; charset=utf-8", Data(APIDocsPage.style.utf8))
        default: asset = nil
        }
        guard let asset else { return try next(request, context) }
        guard request.method == .get || request.method == .head else { throw HTTPError.methodNotAllowed(allowed: [.get]) }
        var response = Response(body: asset.body)
        response.headers.set("Content-Type", asset.type)
        response.headers.set("Cache-Control", "no-cache")
        response.headers.set(
            "Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'")
        return response
    }
}

/// The docs page: a list of operations by tag, each with its parameters, body and responses,
/// rendered in the browser from `/api/v1/openapi.json`.
enum APIDocsPage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Companin API</title>
          <link rel="stylesheet" href="/api/v1/docs/docs.css">
          <script src="/api/v1/docs/docs.js" defer></script>
        </head>
        <body>
          <header><h1>Companin API</h1><p>The machine-readable contract: <a href="/api/v1/openapi.json">openapi.json</a> (OpenAPI 3.1).</p></header>
          <nav id="tags" aria-label="Areas"></nav>
          <main id="operations"><p>Loading the contract…</p></main>
        </body>
        </html>
        """

    static let style = """
        body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 1rem; color: #1b1b1b; background: #fff; }
        h1 { margin: 0; } nav a { margin-right: 1rem; } section { margin-top: 2rem; }
        details { border: 1px solid #ccc; border-radius: 6px; margin: .5rem 0; padding: .5rem .75rem; }
        summary { cursor: pointer; } code, pre { font: 13px/1.4 ui-monospace, monospace; }
        pre { background: #f4f4f4; padding: .5rem; overflow-x: auto; }
        .method { display: inline-block; min-width: 4.5rem; font-weight: 700; }
        .get { color: #0b5394; } .post { color: #1e6b28; } .patch, .put { color: #7a5200; } .delete { color: #a01c1c; }
        table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: .2rem .5rem; text-align: left; }
        """

    static let script = """
        "use strict";
        function element(tag, attributes, ...children) {
          const node = document.createElement(tag);
          for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
          for (const child of children) node.append(child);
          return node;
        }
        function resolve(spec, schema) {
          if (schema && schema.$ref) return spec.components.schemas[schema.$ref.split("/").pop()] || schema;
          return schema;
        }
        function schemaBlock(spec, schema) {
          return element("pre", {}, JSON.stringify(resolve(spec, schema), null, 2));
        }
        function operationView(spec, path, method, operation) {
          const box = element("details", {});
          box.append(element("summary", {}, element("span", {class: "method " + method}, method.toUpperCase()),
                             element("code", {}, path), " — " + (operation.summary || "")));
          const parameters = operation.parameters || [];
          if (parameters.length) {
            const table = element("table", {}, element("tr", {}, element("th", {}, "parameter"), element("th", {}, "in"), element("th", {}, "schema")));
            for (const p of parameters) table.append(element("tr", {}, element("td", {}, p.name), element("td", {}, p.in),
                                                             element("td", {}, element("code", {}, JSON.stringify(p.schema)))));
            box.append(element("h4", {}, "Parameters"), table);
          }
          if (operation.requestBody) {
            for (const [type, body] of Object.entries(operation.requestBody.content)) {
              box.append(element("h4", {}, "Body (" + type + ")"), schemaBlock(spec, body.schema));
            }
          }
          box.append(element("h4", {}, "Responses"));
          for (const [status, response] of Object.entries(operation.responses)) {
            const resolved = response.$ref ? spec.components.responses[response.$ref.split("/").pop()] : response;
            const line = element("div", {}, element("strong", {}, status + " "), resolved.description || "");
            box.append(line);
            const content = resolved.content && Object.values(resolved.content)[0];
            if (content && !response.$ref) box.append(schemaBlock(spec, content.schema));
          }
          return box;
        }
        async function main() {
          const target = document.getElementById("operations");
          try {
            const response = await fetch("/api/v1/openapi.json");
            if (!response.ok) throw new Error("HTTP " + response.status);
            const spec = await response.json();
            const byTag = new Map();
            for (const [path, methods] of Object.entries(spec.paths)) {
              for (const [method, operation] of Object.entries(methods)) {
                const tag = (operation.tags || ["Other"])[0];
                if (!byTag.has(tag)) byTag.set(tag, []);
                byTag.get(tag).push([path, method, operation]);
              }
            }
            target.replaceChildren();
            const nav = document.getElementById("tags");
            for (const [tag, operations] of byTag) {
              nav.append(element("a", {href: "#" + tag}, tag));
              const section = element("section", {id: tag}, element("h2", {}, tag));
              for (const [path, method, operation] of operations) section.append(operationView(spec, path, method, operation));
              target.append(section);
            }
          } catch (error) {
            target.replaceChildren(element("p", {}, "The contract could not be loaded: " + error.message));
          }
        }
        main();
        """
}
