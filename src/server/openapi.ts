import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from "fastify-type-provider-zod";
import { apiSchemaRegistry } from "./schemas.js";

export const DOCS_PREFIX = "/docs";

interface DocumentParts {
  paths?: unknown;
  components?: { schemas?: Record<string, unknown> };
}

const COMPONENT_REF = /"#\/components\/schemas\/([^"]+)"/g;

/**
 * The generator emits every named schema twice, as request ("…Input") and as response; keep only
 * the components something refers to, so the document lists each shape once.
 */
function withReferencedComponentsOnly<Document extends object>(document: Document): Document {
  const { paths, components } = document as DocumentParts;
  const schemas = components?.schemas ?? {};
  const referenced = new Set<string>();
  const pending = [JSON.stringify(paths ?? {})];
  for (let text = pending.pop(); text !== undefined; text = pending.pop()) {
    for (const [, name] of text.matchAll(COMPONENT_REF)) {
      if (name === undefined || referenced.has(name)) continue;
      referenced.add(name);
      pending.push(JSON.stringify(schemas[name] ?? {}));
    }
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => referenced.has(name)));
  return { ...document, components: { ...components, schemas: kept } };
}

/**
 * The OpenAPI document is generated from the routes' zod schemas (nothing is written twice) and
 * served at /openapi.json, with Swagger UI at /docs. Register before the routes: the generator
 * collects routes as they are added (registration is queued, so order is kept without awaiting).
 */
export function registerOpenApi(app: FastifyInstance): void {
  const toComponents = createJsonSchemaTransformObject({ schemaRegistry: apiSchemaRegistry });
  app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Repository Q&A",
        version: "0.1.0",
        description:
          "Answers questions about one code repository with cited evidence. `pipeline: orchestrated` routes the question to a " +
          "code, docs, debug or general specialist; `pipeline: baseline` answers with a single agent and every tool. " +
          'Errors are `{"error": {"code", "message", "requestId"}}`.',
      },
    },
    transform: createJsonSchemaTransform({ schemaRegistry: apiSchemaRegistry }),
    transformObject: (document) => withReferencedComponentsOnly(toComponents(document)),
  });
  app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
