// A video request made of layers, each over the one before: a template's settings, a batch's
// defaults, the request (or batch item) itself. The request's own fields win. Objects merge field
// by field (captions: {style} over {position} keeps both); anything else, lists included, is
// replaced whole. Fields that are alternatives of each other (script_text, scenes or topic;
// aspect_ratio or outputs; music.url or music.mood) go together: a layer that sends one drops
// what the layers below sent of the others, so a template's `outputs` never contradicts a
// request's `aspect_ratio`. The result is validated as a whole by the request schema. Pure.

type Json = Record<string, unknown>;

/** Sets of fields of which a request sends one: at the top level, or inside an object field. */
const ALTERNATIVES: { at: string | null; fields: readonly string[] }[] = [
  { at: null, fields: ['script_text', 'scenes', 'topic'] },
  { at: null, fields: ['aspect_ratio', 'outputs'] },
  { at: 'music', fields: ['url', 'mood'] },
];

/** Fields that only shape a script written from a topic (video-request.ts TOPIC_FIELDS). */
export const TOPIC_ONLY = ['duration_s', 'tone', 'script_format'] as const;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `top` over `base`: objects merged field by field, anything else replaced; alternatives of a field `top` sends dropped from `base`. */
function over(base: Json, top: Json, at: string | null): Json {
  const out: Json = { ...base };
  for (const alt of ALTERNATIVES) {
    if (alt.at !== at || !alt.fields.some((f) => top[f] !== undefined)) continue;
    for (const f of alt.fields) if (top[f] === undefined) delete out[f];
  }
  for (const [k, v] of Object.entries(top)) {
    if (v === undefined) continue;
    out[k] = isObject(v) && isObject(out[k]) ? over(out[k], v, at === null ? k : `${at}.${k}`) : v;
  }
  return out;
}

/**
 * The request the layers describe, lowest first (a template's settings, a batch's defaults), the
 * request itself last. The topic's own fields (duration_s, tone, script_format) that a lower layer
 * sets are dropped when the request ends up with no topic: a template for a channel of written
 * scripts applies to a video with its own script too. Sent by the request itself, they stay, and
 * the schema says what is wrong with them.
 */
export function layered(layers: readonly (Json | null | undefined)[], request: Json): Json {
  const merged = [...layers, request].reduce<Json>((acc, layer) => (layer ? over(acc, layer, null) : acc), {});
  if (merged.topic === undefined) for (const f of TOPIC_ONLY) if (request[f] === undefined) delete merged[f];
  return merged;
}
