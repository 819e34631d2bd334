import type { LlmApi } from './llmErrors';
import { normalizeHost } from './ollama';
import { openAiBase } from './openaiCompatible';

/** One more LLM host of a run, as the CLI flag and the setting write it: "URL" or "URL,slots=N". */
export interface HostSpec {
  url: string;
  slots: number;
}

export const MAX_SLOTS = 64;

/** Parses "http://gpu2:11434" or "http://gpu2:11434,slots=2" (slots default to `defaultSlots`); throws a RangeError that says what is wrong. */
export function parseHostSpec(spec: string, defaultSlots: number, api: LlmApi = 'ollama'): HostSpec {
  const [address, ...options] = spec.split(',').map((part) => part.trim());
  let slots = defaultSlots;
  for (const option of options) {
    const match = /^slots=(\d+)$/.exec(option);
    if (!match || Number(match[1]) < 1 || Number(match[1]) > MAX_SLOTS) throw new RangeError(`"${spec}": after the URL only ",slots=N" (1-${MAX_SLOTS}) may follow`);
    slots = Number(match[1]);
  }
  let url: string;
  try {
    url = normalizeHostFor(api, address);
  } catch {
    throw new RangeError(`"${spec}" is not a URL such as http://gpu2:11434`);
  }
  return { url, slots };
}

/** Ollama's host form (port 11434 unless given) or an OpenAI-compatible API's base (…/v1). */
export function normalizeHostFor(api: LlmApi | undefined, host: string): string {
  return api === 'openai' ? openAiBase(host) : normalizeHost(host);
}
