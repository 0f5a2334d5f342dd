// The script writer over a Chat Completions model: asks for the script in the answer's JSON
// schema, sized to the voice's speaking rate; reads the answer as a user's script is read (display
// form, the request's validation, something to speak in every scene, the language asked); asks
// once more for an answer cut off or unusable, and once for a script far from its length, which
// is otherwise trimmed at a sentence end. A refusal, the provider's content filter, or a second
// unusable answer fails for good, naming the cause.
import {
  BUDGET_TOLERANCE,
  clipAtSentence,
  clipAtWord,
  estimateDurationS,
  lengthFor,
  lengthVerdict,
  MAX_DESCRIPTION_CHARS,
  MAX_SEARCH_QUERY_CHARS,
  MAX_TITLE_CHARS,
  ModelScriptSchema,
  normaliseHashtags,
  SCRIPT_JSON_SCHEMA,
  scriptBudget,
  scriptLength,
  sentenceSeconds,
  speakingRate,
  trimScenes,
  type ScriptBrief,
  type ScriptBudget,
  type ScriptScene,
  type WrittenScript,
} from '../domain/script.ts';
import { splitSentences } from '../domain/text.ts';
import { VideoRequestSchema } from '../domain/video-request.ts';
import type { Config } from '../config.ts';
import { TaskError } from '../errors.ts';
import { displayText, stripMarkdown } from '../language/display-text.ts';
import { isEnglish } from '../language/english.ts';
import { scriptForms } from '../language/spoken-form.ts';
import type { Logger } from '../log.ts';
import { ChatCompletionsClient, type ChatAnswer, type ChatMessage } from './chat-completions.ts';
import type { ScriptWriter } from './ports.ts';
import { repairFollowUp, resizeFollowUp, scriptMessages, truncatedFollowUp } from './script-prompt.ts';

const RESPONSE_SCHEMA = {
  name: 'video_script',
  description: 'The narration of a short video in scenes, with its title, description and hashtags',
  schema: SCRIPT_JSON_SCHEMA as unknown as Record<string, unknown>,
};

/** A script as read from an answer: usable, with its length; or what is wrong with it. */
type Reading =
  | { ok: true; title: string; scenes: ScriptScene[]; description: string; hashtags: string[]; length: number; sentences: number; estimateS: number }
  | { ok: false; problems: string[] };

export class ChatScriptWriter implements ScriptWriter {
  readonly name = 'chat-completions';
  readonly model: string;
  private readonly client: ChatCompletionsClient;
  private readonly log: Logger | undefined;

  constructor(client: ChatCompletionsClient, log?: Logger) {
    this.client = client;
    this.model = client.model;
    this.log = log;
  }

  async write(brief: ScriptBrief, signal: AbortSignal): Promise<WrittenScript> {
    const rate = speakingRate(brief.voice, brief.language, brief.speed);
    const budget = scriptBudget(brief.duration_s, rate);
    const messages = scriptMessages(brief, budget);
    const ask = (extra: ChatMessage[]) => this.client.complete({ messages: [...messages, ...extra], schema: RESPONSE_SCHEMA }, signal);

    // First the shape: one more answer for one cut off or unusable.
    let answer = await ask([]);
    let reading = this.read(answer, brief, budget);
    if (!reading.ok) {
      const followUp =
        answer.finishReason === 'length'
          ? [truncatedFollowUp(budget)]
          : [{ role: 'assistant' as const, content: answer.content ?? '' }, repairFollowUp(reading.problems, budget)];
      answer = await ask(followUp);
      reading = this.read(answer, brief, budget);
      if (!reading.ok) throw unusable(answer, reading.problems, this.model);
    }

    // Then the length: one more answer for a script far off; the closer of the two is kept.
    let best = reading;
    let model = answer.model;
    if (lengthVerdict(best.estimateS, brief.duration_s) !== 'fits') {
      // The length that fits, in sentences as long as this script's own.
      const per = best.length / Math.max(1, best.sentences);
      const aim = { ...budget, target: lengthFor(brief.duration_s, rate, per), min: lengthFor(brief.duration_s * (1 - BUDGET_TOLERANCE), rate, per), max: lengthFor(brief.duration_s * (1 + BUDGET_TOLERANCE), rate, per) };
      try {
        const again = await ask([{ role: 'assistant', content: answer.content ?? '' }, resizeFollowUp(best.length, best.estimateS, brief.duration_s, aim)]);
        const second = this.read(again, brief, budget);
        if (second.ok && Math.abs(second.estimateS - brief.duration_s) < Math.abs(best.estimateS - brief.duration_s)) {
          best = second;
          model = again.model;
        }
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        // The first script stands (trimmed if need be); a failed second try costs nothing more.
        if (!(err instanceof TaskError)) throw err;
        this.log?.warn({ provider: 'llm', model: this.model, code: err.code, err: err.message }, 'asking for a script of the right length failed; keeping the first');
      }
    }
    return this.finish(best, brief, budget, model);
  }

  /** Trimmed when still too long; the result with its estimate and warnings. */
  private finish(r: Extract<Reading, { ok: true }>, brief: ScriptBrief, budget: ScriptBudget, model: string): WrittenScript {
    const warnings: string[] = [];
    let { scenes, length, estimateS: estimate } = r;
    if (lengthVerdict(estimate, brief.duration_s) === 'long') {
      const rate = budget.rate;
      const cost = (sentence: string) => sentenceSeconds(scriptLength(scriptForms([sentence], brief.language).spoken, budget.unit, brief.language), rate);
      // Whole sentences up to the duration asked: the first sentence has no pause before it.
      scenes = trimScenes(scenes, brief.duration_s - rate.edgesS + rate.pauseS, cost, brief.language);
      const measured = measure(scenes, brief, budget);
      warnings.push(`the model wrote ${length} ${budget.unit}, more than ${brief.duration_s} s takes; trimmed to ${measured.length} at the end of a sentence`);
      ({ length, estimateS: estimate } = measured);
    }
    if (lengthVerdict(estimate, brief.duration_s) === 'short') {
      warnings.push(`the script lasts about ${Math.round(estimate)} s, shorter than the ${brief.duration_s} s asked`);
    }
    this.log?.info({ provider: 'llm', model, length, unit: budget.unit, target: budget.target, estimateS: estimate, durationS: brief.duration_s }, 'script written');
    return {
      title: r.title,
      script_text: scenes.map((s) => s.text).join(' '),
      scenes,
      description: r.description,
      hashtags: r.hashtags,
      language: brief.language,
      estimated_duration_s: estimate,
      length,
      unit: budget.unit,
      model,
      warnings,
    };
  }

  /** An answer read as a user's script is: what it is, or every reason it cannot be used. */
  private read(answer: ChatAnswer, brief: ScriptBrief, budget: ScriptBudget): Reading {
    if (answer.refusal) {
      throw new TaskError('script_refused', `the language model declined to write this script: "${clipAtWord(answer.refusal, 300)}"; rephrase the topic or choose another`);
    }
    if (answer.finishReason === 'content_filter') {
      throw new TaskError('script_filtered', "the language model provider's content filter stopped the script; rephrase the topic or choose another");
    }
    if (answer.finishReason === 'length') return { ok: false, problems: ['the answer was cut off at the output limit'] };
    const json = jsonOf(answer.content ?? '');
    if (json === undefined) return { ok: false, problems: ['the answer is not a JSON object'] };
    const parsed = ModelScriptSchema.safeParse(json);
    if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'the answer'}: ${i.message}`) };

    const m = parsed.data;
    const scenes = m.scenes.map((s) => ({ text: displayText(s.text), search_query: clipAtWord(displayText(s.search_query), MAX_SEARCH_QUERY_CHARS) }));
    const problems: string[] = [];
    const silent = new Set<string>();
    scenes.forEach((s, i) => {
      if (!/[\p{L}\p{N}]/u.test(scriptForms([s.text], brief.language).spoken)) {
        silent.add(`scenes.${i}.text`);
        problems.push(`scenes.${i}.text: there is nothing to speak once emoji and markdown are taken out`);
      }
      if (!s.search_query) problems.push(`scenes.${i}.search_query: is empty; name footage to show`);
    });
    // The same checks as a user's scenes: valid text, lengths, the whole script's size.
    const asRequest = VideoRequestSchema.safeParse({ scenes: scenes.map((s) => ({ text: s.text, ...(s.search_query ? { search_query: s.search_query } : {}) })), language: brief.language });
    if (!asRequest.success) {
      problems.push(...asRequest.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).filter((p) => !silent.has(p.slice(0, p.indexOf(':')))));
    }
    const all = scenes.map((s) => s.text).join(' ');
    if (!/^en(-|$)/i.test(brief.language) && isEnglish(all)) problems.push(`the narration is in English, not in ${brief.language}`);
    const title = clipAtWord(stripMarkdown(m.title).replace(/\s+/g, ' ').replace(/^["'“”«]+|["'“”»]+$/gu, ''), MAX_TITLE_CHARS);
    if (!title) problems.push('title: is empty');
    if (problems.length) return { ok: false, problems };

    return {
      ok: true,
      title,
      scenes,
      description: clipAtSentence(stripMarkdown(m.description).replace(/[ \t]+/g, ' ').trim(), MAX_DESCRIPTION_CHARS, brief.language),
      hashtags: normaliseHashtags(m.hashtags),
      ...measure(scenes, brief, budget),
    };
  }
}

/** A script's length, sentences and time as the voice will say it: its spoken form, sentences as the voice splits them. */
function measure(scenes: ScriptScene[], brief: ScriptBrief, budget: ScriptBudget): { length: number; sentences: number; estimateS: number } {
  const spoken = scriptForms(scenes.map((s) => s.text), brief.language).spoken;
  const length = scriptLength(spoken, budget.unit, brief.language);
  const sentences = splitSentences(spoken, brief.language).length;
  return { length, sentences, estimateS: estimateDurationS(length, sentences, budget.rate) };
}

/**
 * The JSON object of an answer. Endpoints that ignore the schema (or answer in JSON mode) may wrap
 * it in a code fence or put a reasoning model's <think> block before it.
 */
export function jsonOf(content: string): unknown {
  const text = content.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1];
  for (const candidate of [text, fenced, text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)]) {
    if (!candidate) continue;
    try {
      const v: unknown = JSON.parse(candidate);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v;
    } catch {
      /* the next form */
    }
  }
  return undefined;
}

function unusable(answer: ChatAnswer, problems: string[], model: string): TaskError {
  if (answer.finishReason === 'length') {
    return new TaskError('script_truncated', `LLM_MODEL "${model}" stopped at its output limit twice before the script was complete; ask for a shorter duration_s or use a model with a larger output limit`);
  }
  return new TaskError('script_invalid', `LLM_MODEL "${model}" answered twice without a usable script (${problems[0]}); use a model that supports structured outputs (json_schema)`, {
    detail: `${problems.join('; ')}\n${(answer.content ?? '').slice(0, 500)}`,
  });
}

/** The writer a service has: over LLM_BASE_URL when it is set, none otherwise. */
export function scriptWriterFromConfig(cfg: Pick<Config, 'LLM_BASE_URL' | 'LLM_API_KEY' | 'LLM_MODEL' | 'LLM_TIMEOUT_SECONDS'>, log?: Logger): ScriptWriter | null {
  if (!cfg.LLM_BASE_URL || !cfg.LLM_MODEL) return null;
  const client = new ChatCompletionsClient({
    baseUrl: cfg.LLM_BASE_URL,
    apiKey: cfg.LLM_API_KEY,
    model: cfg.LLM_MODEL,
    timeoutMs: cfg.LLM_TIMEOUT_SECONDS * 1000,
    ...(log ? { log } : {}),
  });
  return new ChatScriptWriter(client, log);
}
