/**
 * Resilience building blocks for the engine: retry policy arithmetic, circuit breakers, rate
 * limiters, resource accounting, priority queues, backpressure and the dead letter queue. All time
 * goes through the `Clock` port.
 */
export * from './retry-policy.js';
export * from './circuit-breaker.js';
export * from './circuit-open-error.js';
export * from './circuit-breaker-registry.js';
export * from './rate-limiter.js';
export * from './resource-pool.js';
export * from './priority-queue.js';
export * from './backpressure.js';
export * from './dead-letter.js';
export { abortReason } from './abort.js';
