/**
 * The JSON schemas of the REST routes: fastify validates requests with them, and @fastify/swagger
 * builds the OpenAPI document from them.
 */
const str = { type: 'string' } as const;

export const errorBody = {
  $id: 'ErrorBody',
  type: 'object',
  description: 'What went wrong: a stable code, a message naming the problem, maybe how to fix it.',
  required: ['error', 'requestId'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: str,
        message: str,
        hint: str,
        details: {},
      },
    },
    requestId: str,
  },
} as const;

const errorRef = { $ref: 'ErrorBody#' } as const;

/** The error responses a route may give, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries([400, 401, 403, ...statuses].map((s) => [s, errorRef]));
}

const problem = { type: 'object', properties: { code: str, message: str } } as const;

export const runInfo = {
  $id: 'RunInfo',
  type: 'object',
  required: ['id', 'workflow', 'status', 'createdAt', 'updatedAt'],
  properties: {
    id: str,
    workflow: {
      type: 'object',
      properties: { name: str, version: str },
    },
    status: {
      type: 'string',
      enum: ['pending', 'running', 'paused', 'completed', 'failed', 'timed_out', 'cancelled'],
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    owner: { type: 'string', description: 'The process holding the run, while one does' },
    error: problem,
  },
} as const;

export const runDetail = {
  $id: 'RunDetail',
  type: 'object',
  required: [...runInfo.required, 'inputs', 'tasks', 'seq'],
  properties: {
    ...runInfo.properties,
    inputs: { type: 'object', additionalProperties: true },
    outputs: {},
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'status', 'attempts'],
        properties: {
          id: str,
          status: str,
          attempts: { type: 'integer' },
          error: problem,
          outputs: {},
          approval: {
            type: 'object',
            properties: { state: str, reason: str, actor: str },
          },
        },
      },
    },
    seq: {
      type: 'integer',
      description: 'The journal seq this view is as of: an event stream can resume after it',
    },
  },
} as const;

const runRef = { $ref: 'RunInfo#' } as const;

export const runIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 128, description: 'The run id' } },
} as const;

export const startBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    definition: {
      description: 'An inline definition: a workflow document (object) or its YAML/JSON text',
      anyOf: [
        { type: 'object', additionalProperties: true },
        { type: 'array' },
        { type: 'string' },
      ],
    },
    workflow: {
      type: 'string',
      maxLength: 300,
      description: 'Or a registered workflow: `name@version`, or `name` for its latest version',
    },
    inputs: { type: 'object', additionalProperties: true },
    runId: { type: 'string', maxLength: 128, description: 'The new run id (default: a UUID)' },
  },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: {
      type: 'array',
      items: str,
      description: 'Only runs in these statuses (repeat, or separate with commas)',
    },
    workflow: { type: 'string', description: 'Only runs of this workflow (name)' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', description: 'The `next` of the previous page' },
  },
} as const;

export const listReply = {
  type: 'object',
  required: ['runs'],
  properties: {
    runs: { type: 'array', items: runRef },
    next: { type: 'string', description: 'The cursor of the next page; absent on the last page' },
  },
} as const;

export const workflowVersion = {
  type: 'object',
  properties: { name: str, version: str, hash: str, registeredAt: str },
} as const;

export { runRef };
