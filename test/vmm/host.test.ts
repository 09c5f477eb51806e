import { describe, expect, it } from 'vitest';
import { HostMemoryError, HostMemoryPool } from '../../src/vmm/host';

const MiB = 1024 * 1024;

describe('host memory pool', () => {
  it('hands out pages per domain and takes them back', () => {
    const pool = new HostMemoryPool(64 * MiB);
    pool.allocate(1, 4096);
    pool.allocate(2, 2048);
    expect(pool.freePages).toBe(16384 - 6144);
    pool.releaseAll(1);
    expect(pool.pagesOf(1)).toBe(0);
    expect(pool.freePages).toBe(16384 - 2048);
  });

  it('refuses an allocation it cannot satisfy with a message saying what is left', () => {
    const pool = new HostMemoryPool(64 * MiB);
    pool.allocate(1, 12 * 256);
    expect(() => pool.allocate(2, 60 * 256, 'domain "big"')).toThrow(HostMemoryError);
    expect(() => pool.allocate(2, 60 * 256, 'domain "big"')).toThrow(
      'not enough host memory for domain "big": it needs 60 MiB but only 52 MiB of 64 MiB are free',
    );
    expect(pool.pagesOf(2)).toBe(0);
  });

  it('grants partial balloon growth up to what is free', () => {
    const pool = new HostMemoryPool(1 * MiB);
    pool.allocate(1, 200);
    expect(pool.allocateUpTo(2, 100)).toBe(56);
    expect(pool.freePages).toBe(0);
    pool.release(2, 1000); // never more than held
    expect(pool.freePages).toBe(56);
  });
});
