/**
 * Is Ollama there and is the model pulled? One /api/tags request, classified so the notification can offer the
 * right action (Retry / Open Settings, or Pull). The engine runs its own preflight() during the run.
 * No `vscode` import.
 */
import { describeLlmError } from '../../core/llmErrors';
import { withOllama } from '../../core/ollama';
import { sameModel } from '../../core/modelNames';
import { problem } from '../../core/problems';
import { extensionWording } from './wording';

export interface OllamaCheck {
  state: 'ok' | 'unreachable' | 'model-missing';
  /** Worded for VS Code. */
  message: string;
  /** Installed models (names with tags), when Ollama answered. */
  models: string[];
}

export const OLLAMA_CHECK_TIMEOUT_MS = 10_000;

export async function checkOllama(host: string, model: string, timeoutMs = OLLAMA_CHECK_TIMEOUT_MS): Promise<OllamaCheck> {
  let models: string[];
  try {
    models = (await withOllama(host, timeoutMs, undefined, (client) => client.list())).models.map((m) => m.name);
  } catch (error) {
    return { state: 'unreachable', message: extensionWording(describeLlmError(error, host, model)), models: [] };
  }
  if (!models.some((name) => sameModel(name, model))) {
    return { state: 'model-missing', message: extensionWording(problem('model-missing', `Model ${model} is not installed in Ollama at ${host}`)), models };
  }
  return { state: 'ok', message: `Ollama at ${host} has ${model}.`, models };
}
