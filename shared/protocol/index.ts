// The realtime and HTTP protocol in one import: action inputs, replies, events, frames and their TypeScript types.
// Browser-safe (zod and pure rules only); the typed client is shared/protocol/client.ts.
export * from './actions';
export * from './admin';
export * from './entities';
export * from './events';
export * from './frame-schemas';
export * from './frames';
export * from './http';
export * from './replies';
