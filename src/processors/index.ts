import type { MediaKind } from '../core/mediaTypes';
import type { Processor } from './context';
import { processImage } from './image';

/** The processor for each media kind; kinds without one yet get a clear record instead of a crash. */
export function processorFor(kind: MediaKind): Processor | undefined {
  return kind === 'image' ? processImage : undefined;
}
