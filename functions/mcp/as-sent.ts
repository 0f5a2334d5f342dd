// Tool input schemas that check a request's shape without filling in its defaults. The MCP SDK
// hands a tool the arguments as its schema parsed them; a request parsed with the API's schema
// would arrive with every default in it (resolution 1080p, the caption look), and those would then
// win over a template's settings and a batch's defaults, which apply only to fields the request
// leaves out. The service validates the request whole anyway.
import { z } from 'zod';

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; options?: z.ZodType[]; catchall?: z.ZodType };

/** `schema` with every default taken out (the field optional instead), its descriptions kept. */
export function asSent<T extends z.ZodType>(schema: T): z.ZodType {
  const def = (schema as unknown as { def: Def }).def;
  // Descriptions kept; no `id`, so the tool's JSON Schema is inline rather than a $ref agents may not follow.
  const { id: _id, ...meta } = z.globalRegistry.get(schema) ?? {};
  const keep = (s: z.ZodType) => (Object.keys(meta).length ? s.meta(meta) : s);
  switch (def.type) {
    case 'default':
      return keep(asSent(def.innerType!).optional());
    case 'optional':
      return keep(asSent(def.innerType!).optional());
    case 'object': {
      const shape = Object.fromEntries(Object.entries(def.shape!).map(([k, v]) => [k, asSent(v)]));
      return keep(def.catchall && (def.catchall as unknown as { def: Def }).def.type === 'never' ? z.strictObject(shape) : z.object(shape));
    }
    case 'array':
      return keep(z.array(asSent(def.element!)));
    case 'union':
      return keep(z.union(def.options!.map((o) => asSent(o)) as [z.ZodType, z.ZodType, ...z.ZodType[]]));
    default:
      return schema;
  }
}
