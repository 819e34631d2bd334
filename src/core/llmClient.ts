import type { LlmApi } from './llmErrors';
import { generateStreamed, STALL_MS, type GenerateRequest, type StreamedAnswer } from './ollama';
import { chatStreamed } from './openaiCompatible';

/** One streamed answer from the run's kind of server, with the same bounds for both. */
export function generate(api: LlmApi, request: GenerateRequest): Promise<StreamedAnswer> {
  return api === 'openai' ? chatStreamed(request, STALL_MS) : generateStreamed(request);
}
