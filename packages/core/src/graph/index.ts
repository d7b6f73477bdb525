export { DEPENDENCY_KINDS } from './types.js';
export type { Dag, DependencyKind, DependencySpec, GraphNodeSpec } from './types.js';
export { buildDag } from './dag.js';
export { findCycles } from './cycles.js';
export { toDot, toMermaid } from './render.js';
export type { RenderOptions } from './render.js';
