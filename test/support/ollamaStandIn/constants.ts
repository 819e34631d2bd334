/** The Ollama stand-in: constants. */
import { StandInModelInput } from './types';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const NDJSON_TYPE = 'application/x-ndjson';
export const DEFAULT_VERSION = '0.12.0';
export const DEFAULT_MODELS: StandInModelInput[] = [
  { name: 'llama3.2:3b', capabilities: ['completion', 'tools'] },
  { name: 'llava:7b', capabilities: ['completion', 'vision'] },
];
/** Fixed so /api/tags output is reproducible; pulled models get the pull time instead. */
export const INSTALLED_AT = '2025-01-15T10:00:00.000Z';
/** What Ollama answers when its runner dies mid-request, the most common real HTTP 500. */
export const RUNNER_CRASHED = 'llama runner process has terminated: exit status 2';
/** Ollama's runner error when images reach a model without a vision projector. */
export const NO_VISION = 'this model is missing data required for image input';
export const MAX_QUEUE_ERROR = 'server busy, please try again.  maximum pending requests exceeded';
/** Roughly how many characters make one token, for eval counts. */
export const CHARS_PER_TOKEN = 4;
/** What one image costs in prompt evaluation (a CLIP projector's 576 patches, as llava's). */
export const IMAGE_TOKENS = 576;
export const EXCERPT_CHARS = 200;

/** Thrown by validation; becomes Ollama's `{"error": message}` body with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFoundForInference = (name: string) => new HttpError(404, `model "${name}" not found, try pulling it first`);
/** /api/show and /api/delete word it differently in Ollama's routes.go. */
export const notFoundForManagement = (name: string) => new HttpError(404, `model '${name}' not found`);
