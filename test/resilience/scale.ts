// Sizes of the resilience suite: small by default (npm test), full with RESILIENCE_SCALE=soak (npm run test:soak).
export const SOAK = process.env.RESILIENCE_SCALE === 'soak';

export const sizes = SOAK
  ? {
      /** Fuzz cases per target (operator actions, visitor actions, HTTP routes, admin routes, each webhook kind). */
      fuzzRuns: 10_000,
      modelRuns: 200,
      modelMaxCommands: 40,
      /** Messages ingested under injected DynamoDB faults. */
      faultMessages: 400,
      goneConnections: 400,
      channelReplies: 60,
      dropMessages: 300,
      loadSeconds: 60,
      calibrationSeconds: 8,
    }
  : {
      fuzzRuns: 60,
      modelRuns: 6,
      modelMaxCommands: 25,
      faultMessages: 24,
      goneConnections: 60,
      channelReplies: 6,
      dropMessages: 40,
      loadSeconds: 5,
      calibrationSeconds: 2,
    };

/** fast-check options; RESILIENCE_SEED replays a reported failure. */
export function runsOf(numRuns: number): { numRuns: number; seed?: number } {
  const seed = process.env.RESILIENCE_SEED;
  return { numRuns, ...(seed ? { seed: Number(seed) } : {}) };
}

/** A test timeout that grows with the work it is given. */
export function timeoutFor(cases: number, perCaseMs: number, baseMs = 30_000): number {
  return baseMs + cases * perCaseMs;
}
