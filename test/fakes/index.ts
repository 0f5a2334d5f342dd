// Loopback fakes of the services the production providers call; reusable by any test and the benchmark.
export { startFakeElevenLabs, characterAlignment, FAKE_ELEVENLABS_KEY, FAKE_VOICES, type FakeElevenLabs, type FakeElevenLabsOptions } from './elevenlabs.ts';
export {
  startFakePexels,
  FAKE_PEXELS_KEY,
  defaultCatalog,
  defaultPhotos,
  portraitRenditions,
  landscapeRenditions,
  squareRenditions,
  type FakePexels,
  type FakePexelsOptions,
  type FakePexelsVideo,
  type FakePexelsPhoto,
  type FakeRendition,
} from './pexels.ts';
export type { RecordedRequest, ScriptedResponse } from './server.ts';
export {
  startFakeChatCompletions,
  writeAnswer,
  strictProblem,
  openAiError,
  FAKE_LLM_KEY,
  FAKE_LLM_MODELS,
  type FakeChatCompletions,
  type FakeChatOptions,
  type FakeChatRequest,
  type FakeCompletionRecord,
  type ScriptedCompletion,
} from './chat-completions.ts';
