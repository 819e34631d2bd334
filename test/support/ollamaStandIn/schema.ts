/** The Ollama stand-in: jSON schema filling (structured outputs). */
import { Derived, clip, derive, visionSentence } from './answers';
import { JsonSchema, StandInRequest } from './types';

const MAX_SCHEMA_DEPTH = 8;

/** Follows a local "$ref" ("#/$defs/Item"); zod-to-json-schema and pydantic emit these. */
function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#')) return schema;
  let node: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return typeof node === 'object' && node !== null ? (node as JsonSchema) : {};
}

/** Picks the one concrete branch a model would produce for unions and type lists. */
function concreteSchema(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = resolveRef(schema, root);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = current[key];
    if (Array.isArray(options) && options.length > 0) {
      const chosen = (options as JsonSchema[]).find((o) => o.type !== 'null') ?? (options[0] as JsonSchema);
      current = { ...current, ...resolveRef(chosen, root) };
    }
  }
  if (Array.isArray(current.allOf)) {
    current = (current.allOf as JsonSchema[]).reduce((merged, part) => mergeSchemas(merged, resolveRef(part, root)), current);
  }
  return current;
}

function mergeSchemas(a: JsonSchema, b: JsonSchema): JsonSchema {
  const properties = { ...(a.properties as object | undefined), ...(b.properties as object | undefined) };
  const required = [...((a.required as string[] | undefined) ?? []), ...((b.required as string[] | undefined) ?? [])];
  return { ...a, ...b, properties, required };
}

function schemaType(schema: JsonSchema): string | undefined {
  const type = schema.type;
  if (Array.isArray(type)) return (type as string[]).find((t) => t !== 'null') ?? 'null';
  if (typeof type === 'string') return type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

function clamp(value: number, schema: JsonSchema, integer: boolean): number {
  const step = integer ? 1 : 0.01;
  let result = value;
  if (typeof schema.minimum === 'number') result = Math.max(result, schema.minimum);
  if (typeof schema.exclusiveMinimum === 'number') result = Math.max(result, schema.exclusiveMinimum + step);
  if (typeof schema.maximum === 'number') result = Math.min(result, schema.maximum);
  if (typeof schema.exclusiveMaximum === 'number') result = Math.min(result, schema.exclusiveMaximum - step);
  return integer ? Math.round(result) : result;
}

/** A string for property `key`: summary-like keys get the summary, name-like keys the title, others an excerpt. */
function stringFor(key: string, schema: JsonSchema, d: Derived): string {
  let value: string;
  if (/summary|description|caption|abstract|overview|explanation/i.test(key)) value = d.summary;
  else if (/title|name|headline|subject|label/i.test(key)) value = d.title;
  else if (/^lang(uage)?$/i.test(key)) value = 'en';
  else if (schema.format === 'date-time') value = '1970-01-01T00:00:00.000Z';
  else if (schema.format === 'date') value = '1970-01-01';
  else value = clip(d.excerpt, 80) || d.title;
  if (typeof schema.maxLength === 'number') value = value.slice(0, schema.maxLength);
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) value = value.padEnd(schema.minLength, '.');
  return value;
}

function arrayFor(key: string, schema: JsonSchema, d: Derived, root: JsonSchema, depth: number): unknown[] {
  const items = typeof schema.items === 'object' && schema.items !== null ? concreteSchema(schema.items as JsonSchema, root) : {};
  const itemType = schemaType(items);
  let values: unknown[];
  if ((itemType === 'string' || itemType === undefined) && !items.enum) {
    values = /tag|keyword|topic|categor|label/i.test(key) ? [...d.tags] : [stringFor(key, items, d)];
  } else {
    values = [fillSchema(items, d, root, key, depth + 1)];
  }
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
  while (values.length < min) values.push(values[values.length % Math.max(values.length, 1)] ?? fillSchema(items, d, root, key, depth + 1));
  return typeof schema.maxItems === 'number' ? values.slice(0, schema.maxItems) : values;
}

function objectFor(schema: JsonSchema, d: Derived, root: JsonSchema, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, propertySchema] of Object.entries(properties)) {
    result[key] = fillSchema(propertySchema, d, root, key, depth + 1);
  }
  return result;
}

/** A value matching `schema`, with every declared property filled from the prompt-derived facts. */
function fillSchema(schema: JsonSchema, d: Derived, root: JsonSchema = schema, key = '', depth = 0): unknown {
  if (depth > MAX_SCHEMA_DEPTH) return null;
  const s = concreteSchema(schema, root);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  switch (schemaType(s)) {
    case 'object':
      return objectFor(s, d, root, depth);
    case 'array':
      return arrayFor(key, s, d, root, depth);
    case 'integer':
      return clamp(d.wordCount, s, true);
    case 'number':
      return clamp(0.5, s, false);
    case 'boolean':
      return /image|vision|visual|photo|picture/i.test(key) ? d.imageCount > 0 : d.excerpt.length > 0;
    case 'null':
      return null;
    default:
      return stringFor(key, s, d);
  }
}

/** The default responder: plain text, JSON mode or a filled schema, all quoting the prompt's content. */
export function defaultResponder(request: StandInRequest): string {
  const d = derive(request);
  if (request.format === 'json') return JSON.stringify({ summary: d.summary, title: d.title, tags: d.tags });
  if (request.format && typeof request.format === 'object') return JSON.stringify(fillSchema(request.format, d));
  const vision = visionSentence(request.images);
  const summary = `Summary: ${d.excerpt === '' ? '(no text provided)' : d.excerpt}`;
  return vision ? `${vision} ${summary}` : summary;
}
