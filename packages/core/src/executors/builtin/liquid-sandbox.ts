/**
 * LiquidJS, sandboxed for templates written in workflows: no file system (the `include`, `render`
 * and `layout` tags are removed, and the loader's file system refuses every read), no prototype
 * access (`ownPropertyOnly`), unknown filters are errors, and parse size, render time and memory
 * are bounded. Parsed templates are cached by their text.
 */
import { Liquid, LiquidError, type FS, type Template } from 'liquidjs';
import { ExecutorInputError } from '../errors.js';
import { LruCache } from '../lru.js';

export interface TemplateLimits {
  /** Characters of template text parsed at once. */
  readonly parseLimit: number;
  /** Milliseconds one render may take. */
  readonly renderLimit: number;
  /** LiquidJS allocation units (range sizes, string lengths of filters) per render. */
  readonly memoryLimit: number;
  /** Characters of rendered output. */
  readonly maxOutputLength: number;
  /** Parsed templates kept. */
  readonly cacheSize: number;
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = Object.freeze({
  parseLimit: 1_000_000,
  renderLimit: 1_000,
  memoryLimit: 5_000_000,
  maxOutputLength: 5_000_000,
  cacheSize: 256,
});

function refuse(file: string): never {
  throw new Error(`templates cannot read files (${file})`);
}

/** A loader file system with no files. */
const NO_FILES: FS = {
  exists: () => Promise.resolve(false),
  existsSync: () => false,
  readFile: (file) => Promise.reject(new Error(`templates cannot read files (${file})`)),
  readFileSync: refuse,
  resolve: (_dir, file) => file,
  contains: () => Promise.resolve(false),
  containsSync: () => false,
};

const FILE_TAGS = ['include', 'render', 'layout'] as const;

export class TemplateRenderer {
  readonly limits: TemplateLimits;
  private readonly liquid: Liquid;
  private readonly cache: LruCache<string, Template[]>;

  constructor(limits: Partial<TemplateLimits> = {}) {
    this.limits = { ...DEFAULT_TEMPLATE_LIMITS, ...limits };
    this.liquid = new Liquid({
      strictFilters: true,
      strictVariables: false,
      ownPropertyOnly: true,
      relativeReference: false,
      dynamicPartials: false,
      root: [],
      partials: [],
      layouts: [],
      fs: NO_FILES,
      cache: false,
      parseLimit: this.limits.parseLimit,
      renderLimit: this.limits.renderLimit,
      memoryLimit: this.limits.memoryLimit,
    });
    for (const tag of FILE_TAGS) Reflect.deleteProperty(this.liquid.tags, tag);
    this.cache = new LruCache(this.limits.cacheSize);
  }

  /** Parses (or takes from the cache) and renders `template`; `what` names the input in errors. */
  async render(
    template: string,
    scope: Readonly<Record<string, unknown>>,
    what = 'template',
  ): Promise<string> {
    const parsed = this.parse(template, what);
    let out: unknown;
    try {
      out = await this.liquid.render(parsed, scope);
    } catch (err) {
      throw new ExecutorInputError(`input \`${what}\` failed to render: ${errorMessage(err)}`, {
        input: what,
        cause: err,
      });
    }
    const text = typeof out === 'string' ? out : String(out);
    if (text.length > this.limits.maxOutputLength) {
      throw new ExecutorInputError(
        `input \`${what}\` rendered ${text.length} characters, more than the limit of ${this.limits.maxOutputLength}`,
        { input: what },
      );
    }
    return text;
  }

  /** The parsed template; fails with `InvalidInputError` carrying LiquidJS's message. */
  parse(template: string, what = 'template'): Template[] {
    try {
      return this.cache.getOrCreate(template, (t) => this.liquid.parse(t));
    } catch (err) {
      throw new ExecutorInputError(
        `input \`${what}\` is not a valid template: ${errorMessage(err)}`,
        {
          input: what,
          cause: err,
        },
      );
    }
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof LiquidError || err instanceof Error) return err.message;
  return String(err);
}

/**
 * The variables a template sees: each field of `values` at top level, and `values` itself (a
 * field named `values` wins over the object). `extra` (the prompt, ...) wins over both.
 */
export function templateScope(
  values: Readonly<Record<string, unknown>> | undefined,
  extra: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return { values: values ?? {}, ...values, ...extra };
}

let shared: TemplateRenderer | undefined;

/** The renderer built-in executors share (default limits). */
export function sharedTemplateRenderer(): TemplateRenderer {
  shared ??= new TemplateRenderer();
  return shared;
}
