// The studio: the key (asked once when the service has API_KEYS, kept in localStorage), compose,
// storyboard, render, recent videos. Storyboards and renders are polled until they end.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, storedKey, storeKey, type StoryboardSubmit, type StoryboardView, type SubmitResponse, type TaskList, type TaskView, type TemplateView, type Voice, type VoiceList } from './api.ts';
import { Compose, EMPTY_FORM, missingRecording, requestOf, settingsOf, type ComposeForm, type FieldErrors } from './compose.tsx';
import { Recent } from './recent.tsx';
import { Render } from './render.tsx';
import { Storyboard } from './storyboard.tsx';

const POLL_MS = 700;
const running = (s: string) => s === 'queued' || s === 'processing';

/** Calls `fn` every `ms` while `active`, one call at a time. */
function usePoll(active: boolean, key: string, fn: () => Promise<boolean | void>) {
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const done = await fn().catch(() => false);
      if (!stopped && !done) timer = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active, key]);
}

const focusSoon = (selector: string) => setTimeout(() => document.querySelector<HTMLElement>(selector)?.focus(), 0);

export function App() {
  const [needKey, setNeedKey] = useState(false);
  const [keyInput, setKeyInput] = useState('');
  const [voices, setVoices] = useState<Voice[]>([]);
  const [templates, setTemplates] = useState<TemplateView[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [form, setForm] = useState<ComposeForm>(EMPTY_FORM);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sb, setSb] = useState<StoryboardView | null>(null);
  const [task, setTask] = useState<TaskView | null>(null);
  const [recent, setRecent] = useState<TaskView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);

  /** An API refusal: field errors next to their fields, a missing key back to the key form, anything else up top. */
  function fail(e: unknown) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 401) {
      setNeedKey(true);
      setProblem(storedKey() ? 'The service did not accept that API key; enter another.' : null);
      return;
    }
    const fields = Object.fromEntries(e.details.map((d) => [d.path, d.message]));
    setErrors(fields);
    setProblem(e.details.length ? `The service refused the form: ${e.details.length === 1 ? 'a field needs' : 'some fields need'} fixing (marked below).` : e.message);
    if (e.details.length) focusSoon('[aria-invalid="true"]');
  }

  async function act(fn: () => Promise<void>) {
    setBusy(true);
    setProblem(null);
    try {
      await fn();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  async function loadRecent(after?: string) {
    const page = await api<TaskList>('GET', `/v1/videos?limit=10${after ? `&cursor=${encodeURIComponent(after)}` : ''}`);
    setRecent((old) => (after ? [...old, ...page.data] : page.data));
    setCursor(page.next_cursor);
  }

  async function start() {
    try {
      const v = await api<VoiceList>('GET', '/v1/voices');
      setVoices(v.data);
      setTemplates((await api<{ data: TemplateView[] }>('GET', '/v1/templates')).data);
      setNeedKey(false);
      await loadRecent();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setNeedKey(true);
      else if (e instanceof ApiError) setProblem(e.message);
      else throw e;
    }
  }
  useEffect(() => {
    void start();
  }, []);

  usePoll(!!sb && running(sb.status), sb?.storyboard_id ?? '', async () => {
    const next = await api<StoryboardView>('GET', `/v1/storyboards/${sb!.storyboard_id}`);
    setSb(next);
    if (next.status === 'completed') focusSoon('#storyboard-title');
    return !running(next.status);
  });
  usePoll(!!task && running(task.status), task?.task_id ?? '', async () => {
    const next = await api<TaskView>('GET', `/v1/videos/${task!.task_id}`);
    setTask(next);
    if (!running(next.status)) await loadRecent();
    return !running(next.status);
  });

  const submitVideo = (body: unknown) =>
    act(async () => {
      const r = await api<SubmitResponse>('POST', '/v1/videos', body);
      setErrors({});
      setTask(await api<TaskView>('GET', `/v1/videos/${r.task_id}`));
      focusSoon('#render-title');
      await loadRecent();
    });

  /** False (and the field marked) when the form lacks what only the page can know is missing. */
  function checkedForm(): boolean {
    const missing = missingRecording(form);
    if (!Object.keys(missing).length) return true;
    setErrors(missing);
    setProblem('Your recording is missing (marked below).');
    focusSoon('#voiceover-file');
    return false;
  }

  if (needKey) {
    return (
      <main class="narrow">
        <h1>reelsmith studio</h1>
        <form
          class="key"
          onSubmit={(e) => {
            e.preventDefault();
            storeKey(keyInput.trim());
            void start();
          }}
        >
          <h2>API key</h2>
          <p>This service needs an API key. It is kept in this browser only.</p>
          {problem && (
            <p class="problem" role="alert">
              {problem}
            </p>
          )}
          <label for="api-key">API key</label>
          <input id="api-key" type="password" autoComplete="current-password" value={keyInput} onInput={(e) => setKeyInput((e.currentTarget as HTMLInputElement).value)} />
          <button type="submit">Use this key</button>
        </form>
      </main>
    );
  }

  return (
    <>
      <header>
        <h1>reelsmith studio</h1>
        <nav aria-label="Service">
          <a href="/docs">API reference</a>
          {storedKey() && (
            <button
              type="button"
              class="link"
              onClick={() => {
                storeKey('');
                setNeedKey(true);
              }}
            >
              Forget the API key
            </button>
          )}
        </nav>
      </header>
      <main>
        {problem && (
          <p class="problem" role="alert">
            {problem}
          </p>
        )}
        <Compose
          form={form}
          voices={voices}
          templates={templates}
          errors={errors}
          busy={busy}
          onChange={(next) => {
            // A new recording answers whatever was said about the last one.
            if (next.recording !== form.recording) {
              setErrors(({ 'voiceover.upload_id': _gone, ...rest }) => rest);
              setProblem(null);
            }
            setForm(next);
          }}
          onStoryboard={() =>
            checkedForm() &&
            act(async () => {
              const r = await api<StoryboardSubmit>('POST', '/v1/storyboards', requestOf(form));
              setErrors({});
              setSb(await api<StoryboardView>('GET', `/v1/storyboards/${r.storyboard_id}`));
            })
          }
          onRender={() => checkedForm() && submitVideo(requestOf(form))}
          onSaveTemplate={(name) =>
            act(async () => {
              setSaved(null);
              try {
                const t = await api<TemplateView>('POST', '/v1/templates', { name, settings: settingsOf(form) });
                setTemplates((await api<{ data: TemplateView[] }>('GET', '/v1/templates')).data);
                setForm({ ...form, templateId: t.template_id });
                setErrors({});
                setSaved(`Saved the template “${t.name}”.`);
              } catch (e) {
                // A setting the template cannot keep is marked on its own field.
                if (e instanceof ApiError) throw new ApiError(e.status, e.code, e.message, e.details.map((d) => ({ ...d, path: d.path.replace(/^settings\./, '') })));
                throw e;
              }
            })
          }
        />
        {saved && (
          <p class="saved" role="status">
            {saved}
          </p>
        )}
        {sb && (
          <Storyboard
            view={sb}
            busy={busy}
            onSwap={(piece, clip) => act(async () => setSb(await api<StoryboardView>('PUT', `/v1/storyboards/${sb.storyboard_id}/pieces/${piece}`, { clip_id: clip })))}
            onRender={() => submitVideo({ storyboard_id: sb.storyboard_id })}
          />
        )}
        {task && <Render task={task} busy={busy} onCancel={() => act(async () => setTask(await api<TaskView>('DELETE', `/v1/videos/${task.task_id}`)))} />}
        <Recent
          tasks={recent}
          more={!!cursor}
          onOpen={(id) => act(async () => setTask(await api<TaskView>('GET', `/v1/videos/${id}`)))}
          onMore={() => act(() => loadRecent(cursor ?? undefined))}
          onRefresh={() => act(() => loadRecent())}
        />
      </main>
    </>
  );
}
