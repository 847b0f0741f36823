/** Shared test helpers for coded errors (tests check `code`, never message text). */
import { expect } from 'vitest';
import { isAppError } from '../../src/core/errors.ts';

/** Asserts that `fn` throws an AppError with this code. */
export function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isAppError(caught), `expected AppError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

/** Asserts that `promise` rejects with an AppError with this code. */
export async function expectRejectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isAppError(caught), `expected AppError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}
