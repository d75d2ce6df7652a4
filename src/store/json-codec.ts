import { CbsError } from '../errors/index.js';

/** JSON columns are TEXT on both dialects: one codec, no driver-specific JSON handling. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value);
}

export function encodeJsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function decodeJson<T>(text: string | null, column: string): T | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new CbsError('INTERNAL', `job store: unreadable JSON in ${column}`, { cause: e });
  }
}
