// Field schemas the admin API shares, so every missing or malformed field reads the same: "name: is required".
import * as z from 'zod';

/** A string that must be present; `undefined` reads "is required" rather than zod's type message. */
export function requiredString() {
  return z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') });
}

/** A display name: trimmed, 1–100 characters. */
export function displayName() {
  return requiredString().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
}
