import type { ChunkWrite } from '../../../src/server/storage/chunk-store';
import { MemoryChunkStore } from '../../../src/server/storage/memory-chunk-store';

/** A memory store whose commits can be held back, to watch a device wait for durability. */
export class GatedStore extends MemoryChunkStore {
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  /** Commits waiting at the gate. */
  waiting = 0;

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open?.();
    this.gate = null;
    this.open = null;
  }

  override async writeChunks(batch: readonly ChunkWrite[]): Promise<void> {
    if (this.gate) {
      this.waiting++;
      await this.gate;
      this.waiting--;
    }
    return super.writeChunks(batch);
  }
}

/** Lets pending promise callbacks (and a macrotask) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
