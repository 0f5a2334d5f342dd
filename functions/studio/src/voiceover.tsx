// "Use my recording": a file chosen from disk, or a take recorded here with the microphone
// (MediaRecorder), sent to POST /v1/uploads as soon as it exists, then played back from this
// browser's own copy before anything is rendered. The service checks the file (its answer, or its
// refusal, shows here); the request then names the upload.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, uploadRecording } from './api.ts';

/** A recording the service has kept, and this browser's copy of it to play. */
export interface Recording {
  upload_id: string;
  name: string;
  duration_s: number;
  /** An object URL of the file or the take. */
  url: string;
}

interface Props {
  value: Recording | null;
  /** The API's refusal of the request's voiceover.upload_id (say, it has expired). */
  error?: string | undefined;
  onChange: (r: Recording | null) => void;
}

/** What MediaRecorder can write here, best first, and the file name each gets. */
const TAKE_TYPES: [string, string][] = [
  ['audio/webm;codecs=opus', 'webm'],
  ['audio/ogg;codecs=opus', 'ogg'],
  ['audio/mp4', 'm4a'],
];

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

export function Voiceover({ value, error, onChange }: Props) {
  const [state, setState] = useState<'idle' | 'recording' | 'uploading'>('idle');
  const [problem, setProblem] = useState<string | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const stop = useRef<(() => void) | null>(null);
  // A take still running when the form goes away releases the microphone.
  useEffect(() => () => stop.current?.(), []);

  async function keep(audio: Blob, name: string) {
    setState('uploading');
    setProblem(null);
    try {
      const up = await uploadRecording(audio, name);
      if (value) URL.revokeObjectURL(value.url);
      onChange({ upload_id: up.upload_id, name, duration_s: up.duration_s, url: URL.createObjectURL(audio) });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      setProblem(e.details[0]?.message ?? e.message);
    } finally {
      setState('idle');
    }
  }

  async function record() {
    setProblem(null);
    let stream: MediaStream;
    try {
      // The voice as the microphone hears it: the browser's call processing would clip words.
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    } catch (e) {
      setProblem(`The browser gave no microphone (${(e as Error).name}); allow it for this page, or upload a file.`);
      return;
    }
    const [mimeType, ext] = TAKE_TYPES.find(([t]) => MediaRecorder.isTypeSupported(t)) ?? ['', 'webm'];
    const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    const chunks: Blob[] = [];
    const started = performance.now();
    const timer = setInterval(() => setElapsed((performance.now() - started) / 1000), 200);
    recorder.ondataavailable = (e) => {
      if (e.data.size) chunks.push(e.data);
    };
    recorder.onstop = () => {
      clearInterval(timer);
      for (const t of stream.getTracks()) t.stop();
      stop.current = null;
      void keep(new Blob(chunks, { type: recorder.mimeType || mimeType }), `recording.${ext}`);
    };
    stop.current = () => recorder.state !== 'inactive' && recorder.stop();
    setElapsed(0);
    recorder.start();
    setState('recording');
  }

  const shown = problem ?? error;
  return (
    <fieldset class="voiceover" aria-describedby={shown ? 'voiceover-error' : 'voiceover-hint'}>
      <legend>Your recording</legend>
      <p class="hint" id="voiceover-hint">
        Read the script aloud as written: the captions are timed to your words. MP3, WAV, M4A, Ogg or WebM.
      </p>
      <div class="row">
        <div class="field">
          <label for="voiceover-file">Upload a recording</label>
          <input
            id="voiceover-file"
            type="file"
            accept="audio/*,.mp3,.wav,.m4a,.aac,.ogg,.opus,.webm"
            disabled={state !== 'idle'}
            onChange={(e) => {
              const input = e.currentTarget as HTMLInputElement;
              const file = input.files?.[0];
              input.value = '';
              if (file) void keep(file, file.name);
            }}
          />
        </div>
        <div class="field">
          <span class="label" id="voiceover-record-label">
            Or record it here
          </span>
          {state === 'recording' ? (
            <button type="button" class="danger" aria-describedby="voiceover-record-label" onClick={() => stop.current?.()}>
              Stop recording <span data-testid="voiceover-elapsed">{clock(elapsed)}</span>
            </button>
          ) : (
            <button type="button" class="secondary" aria-describedby="voiceover-record-label" disabled={state !== 'idle'} onClick={() => void record()}>
              {value ? 'Record again' : 'Record'}
            </button>
          )}
        </div>
      </div>
      <p class="status" aria-live="polite">
        {state === 'recording' ? 'Recording… read the script, then stop.' : state === 'uploading' ? 'Sending the recording…' : ''}
      </p>
      {value && (
        <figure class="take">
          <audio controls preload="metadata" src={value.url} aria-label={`Your recording, ${value.name}`} />
          <figcaption>
            {value.name} · {value.duration_s.toFixed(1)} s · listen to it before rendering.{' '}
            <button
              type="button"
              class="link"
              onClick={() => {
                URL.revokeObjectURL(value.url);
                onChange(null);
              }}
            >
              Remove it
            </button>
          </figcaption>
        </figure>
      )}
      {shown && (
        <p class="field-error" id="voiceover-error" data-field="voiceover.upload_id" role="alert">
          {shown}
        </p>
      )}
    </fieldset>
  );
}
