// Readers for the deployment files, so tests can assert on what they declare: infra/*.tf through
// an HCL→JSON parser, cloudbuild.yaml through a YAML parser, and the Dockerfile and .dockerignore
// through the small parsers below (their syntax is line-based and simple).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
export const INFRA = join(ROOT, 'infra');

type Json = any;

/** Blocks of one kind by name (`resource.google_x.name` → array of bodies, as HCL JSON has it). */
export interface Terraform {
  files: string[];
  resources: Record<string, Record<string, Json[]>>;
  data: Record<string, Record<string, Json[]>>;
  variables: Record<string, Json>;
  locals: Record<string, Json>;
  outputs: Record<string, Json>;
  /** The raw text of all files, for checks that are about spelling (e.g. "latest"). */
  text: string;
}

export async function loadTerraform(dir = INFRA): Promise<Terraform> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.tf')).sort();
  const tf: Terraform = { files, resources: {}, data: {}, variables: {}, locals: {}, outputs: {}, text: '' };
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    tf.text += `${text}\n`;
    const json = (await parseHcl(file, text)) as Json;
    for (const [kind, target] of [['resource', tf.resources], ['data', tf.data]] as const) {
      for (const [type, byName] of Object.entries<Record<string, Json[]>>(json[kind] ?? {})) {
        target[type] ??= {};
        for (const [name, bodies] of Object.entries(byName)) {
          if (target[type][name]) throw new Error(`${kind} ${type}.${name} declared twice`);
          target[type][name] = bodies;
        }
      }
    }
    for (const [name, bodies] of Object.entries<Json[]>(json.variable ?? {})) tf.variables[name] = bodies[0];
    for (const [name, bodies] of Object.entries<Json[]>(json.output ?? {})) tf.outputs[name] = bodies[0];
    for (const block of json.locals ?? []) {
      for (const [name, value] of Object.entries(block)) {
        if (name in tf.locals) throw new Error(`local.${name} declared twice`);
        tf.locals[name] = value;
      }
    }
  }
  return tf;
}

/** The single body of `resource TYPE NAME`. */
export function resource(tf: Terraform, type: string, name: string): Json {
  const bodies = tf.resources[type]?.[name];
  if (!bodies?.length) throw new Error(`no resource ${type}.${name} in infra/`);
  return bodies[0];
}

/** Every resource body of the given types, with its address. */
export function resourcesOf(tf: Terraform, ...types: string[]): { address: string; body: Json }[] {
  return types.flatMap((type) =>
    Object.entries(tf.resources[type] ?? {}).flatMap(([name, bodies]) => bodies.map((body) => ({ address: `${type}.${name}`, body }))),
  );
}

/**
 * Value of a simple Terraform expression as HCL JSON spells it: a literal, `${var.x}` (the
 * variable's default), `${local.x}`, `${tostring(...)}`, a product `${a * b}`, a sum or
 * difference `${a + b - c}`, in parentheses or not. Anything else
 * throws, so a test never passes by not understanding what it reads.
 */
export function evaluate(tf: Terraform, value: Json): Json {
  if (typeof value !== 'string') return value;
  const m = /^\$\{(.*)\}$/s.exec(value);
  if (!m) return value;
  return evalExpr(tf, m[1]!.trim());
}

function evalExpr(tf: Terraform, raw: string): Json {
  const expr = raw.trim();
  if (/^\(.*\)$/s.test(expr) && balanced(expr.slice(1, -1))) return evalExpr(tf, expr.slice(1, -1));
  // A sum or difference at the top level (operators spaced, as terraform fmt writes them).
  const terms = splitTopLevel(expr, /\s([+-])\s/y);
  if (terms.length > 1) {
    const number = (part: string) => {
      const v = evalExpr(tf, part);
      if (typeof v !== 'number') throw new Error(`not a number: ${part} = ${JSON.stringify(v)}`);
      return v;
    };
    let acc = number(terms[0]!);
    for (let i = 1; i < terms.length; i += 2) acc = terms[i] === '+' ? acc + number(terms[i + 1]!) : acc - number(terms[i + 1]!);
    return acc;
  }
  const product = expr.split('*').map((s) => s.trim());
  if (product.length > 1) {
    return product.reduce((acc, part) => {
      const v = evalExpr(tf, part);
      if (typeof v !== 'number') throw new Error(`not a number: ${part} = ${JSON.stringify(v)}`);
      return acc * v;
    }, 1);
  }
  if (/^-?\d+(\.\d+)?$/.test(expr)) return Number(expr);
  const fn = /^tostring\((.*)\)$/.exec(expr);
  if (fn) return String(evalExpr(tf, fn[1]!));
  const v = /^var\.([A-Za-z_][\w-]*)$/.exec(expr);
  if (v) {
    const variable = tf.variables[v[1]!];
    if (!variable) throw new Error(`no variable ${v[1]}`);
    if (!('default' in variable)) throw new Error(`variable ${v[1]} has no default`);
    return evaluate(tf, variable.default);
  }
  const l = /^local\.([A-Za-z_][\w-]*)$/.exec(expr);
  if (l) {
    if (!(l[1]! in tf.locals)) throw new Error(`no local ${l[1]}`);
    return evaluate(tf, tf.locals[l[1]!]);
  }
  throw new Error(`cannot evaluate Terraform expression: ${expr}`);
}

/** Parentheses in `s` open and close in order. */
function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}

/** `expr` cut at `op` (a sticky regex whose group is the operator) outside parentheses: [term, op, term, op, term, …]. */
function splitTopLevel(expr: string, op: RegExp): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      op.lastIndex = i;
      const m = op.exec(expr);
      if (m && i > from) {
        out.push(expr.slice(from, i).trim(), m[1]!);
        from = i + m[0].length;
        i = from - 1;
      }
    }
  }
  out.push(expr.slice(from).trim());
  return out;
}

/** Every string anywhere inside a JSON value. */
export function allStrings(value: Json): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(allStrings);
  return [];
}

export function loadCloudbuild(path = join(ROOT, 'cloudbuild.yaml')): Json {
  return parseYaml(readFileSync(path, 'utf8'));
}

/**
 * Expand Cloud Build substitutions (`${_X}`, `$PROJECT_ID`, `${BUILD_ID}`) with the file's
 * defaults and the given built-ins, repeatedly, as dynamicSubstitutions does.
 */
export function substitute(text: string, subs: Record<string, string>): string {
  let out = text;
  for (let i = 0; i < 5; i++) {
    const next = out.replace(/\$\{([A-Z_][A-Z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)/g, (all, a: string, b: string) => subs[a ?? b] ?? all);
    if (next === out) break;
    out = next;
  }
  return out;
}

export interface DockerInstruction {
  stage: string;
  keyword: string;
  args: string;
}

export interface Dockerfile {
  instructions: DockerInstruction[];
  /** Stage names in order (FROM ... AS name; unnamed stages get their index). */
  stages: { name: string; image: string }[];
}

/** Instructions with line continuations joined and comments dropped. */
export function parseDockerfile(path = join(ROOT, 'Dockerfile')): Dockerfile {
  const lines = readFileSync(path, 'utf8').split('\n');
  const logical: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (!current && (/^\s*#/.test(line) || !line.trim())) continue;
    if (current && /^\s*#/.test(line)) continue; // comments inside a continued RUN
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  if (current) logical.push(current.trim());

  const out: Dockerfile = { instructions: [], stages: [] };
  let stage = '';
  for (const line of logical) {
    const m = /^(\w+)\s+(.*)$/s.exec(line);
    if (!m) throw new Error(`unparsable Dockerfile line: ${line}`);
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!;
    if (keyword === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args.trim());
      stage = f?.[2] ?? String(out.stages.length);
      out.stages.push({ name: stage, image: f?.[1] ?? args });
    }
    out.instructions.push({ stage, keyword, args });
  }
  return out;
}

/** The final stage's instructions: what the image runs with. */
export function runtimeStage(df: Dockerfile): DockerInstruction[] {
  const last = df.stages.at(-1)?.name;
  return df.instructions.filter((i) => i.stage === last);
}

/** `ARG NAME=default` values declared before the first FROM. */
export function globalArgs(df: Dockerfile): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of df.instructions) {
    if (i.keyword === 'FROM') break;
    if (i.keyword === 'ARG') {
      const [k, ...v] = i.args.split('=');
      out[k!.trim()] = v.join('=').trim();
    }
  }
  return out;
}

/** ENV of the final stage, both `ENV K=V K2=V2` and the legacy `ENV K V` form. */
export function imageEnv(df: Dockerfile): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of runtimeStage(df).filter((x) => x.keyword === 'ENV')) {
    if (!i.args.includes('=')) {
      const [k, ...rest] = i.args.trim().split(/\s+/);
      env[k!] = rest.join(' ');
      continue;
    }
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) env[m[1]!] = m[3] ?? m[2]!;
  }
  return env;
}

/** CMD of the final stage; only the exec (JSON array) form is accepted. */
export function imageCmd(df: Dockerfile): string[] {
  const cmds = runtimeStage(df).filter((i) => i.keyword === 'CMD');
  const cmd = cmds.at(-1);
  if (!cmd) throw new Error('the final stage has no CMD');
  const parsed = JSON.parse(cmd.args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) throw new Error(`CMD is not in exec form: ${cmd.args}`);
  return parsed;
}

export function dockerignore(path = join(ROOT, '.dockerignore')): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/**
 * Whether .dockerignore keeps `path` out of the build context: the last matching pattern wins,
 * `!` re-includes, `*` matches within one path segment, a pattern also covers everything below it.
 */
export function isIgnored(patterns: string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      `^${pattern
        .split('/')
        .map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')}(/.*)?$`,
    );
    if (re.test(path)) ignored = !negate;
  }
  return ignored;
}

/** The system packages scripts/setup.sh installs (its SYSTEM_PACKAGES array). */
export function setupShPackages(path = join(ROOT, 'scripts/setup.sh')): string[] {
  const m = /SYSTEM_PACKAGES=\(([^)]*)\)/.exec(readFileSync(path, 'utf8'));
  if (!m) throw new Error('scripts/setup.sh has no SYSTEM_PACKAGES=(...)');
  return m[1]!.split(/\s+/).filter(Boolean);
}
