import { describeStoreConformance } from './conformance.js';
import { MemoryStore } from './memory-store.js';

describeStoreConformance('memory', (options) => new MemoryStore(options));
