import type { MediaKind } from '../core/mediaTypes';
import type { Processor } from './context';
import { processAudioVisual } from './audioVisual';
import { processImage } from './image';

/** The processor for each media kind. */
export function processorFor(kind: MediaKind): Processor {
  return kind === 'image' ? processImage : processAudioVisual;
}
