/**
 * A typed builder for workflow definitions: `workflow('name')...build()` gives the same document
 * a YAML file does, so code-built and file-based workflows share validation, engine and tools.
 */
import { stringify } from 'yaml';
import { API_VERSION } from '../definition/schema.js';
import type {
  BranchDefinition,
  EventHandler,
  InputParameter,
  OutputMapping,
  TaskDefinition,
  WorkflowConfig,
  WorkflowDocument,
} from '../definition/schema.js';

type EventName = 'onSuccess' | 'onFailure' | 'onTimeout' | 'onCancel';
type TaskOptions = Omit<TaskDefinition, 'id'>;
type InputOptions = Omit<InputParameter, 'name' | 'type'>;

export class WorkflowBuilder {
  private versionText = '1.0.0';
  private descriptionText: string | undefined;
  private readonly labels: Record<string, string> = {};
  private configValue: WorkflowConfig | undefined;
  private readonly inputs: InputParameter[] = [];
  private readonly tasks: TaskDefinition[] = [];
  private readonly branches: BranchDefinition[] = [];
  private readonly outputs: Record<string, OutputMapping> = {};
  private readonly events: Partial<Record<EventName, EventHandler[]>> = {};

  constructor(private readonly name: string) {}

  version(version: string): this {
    this.versionText = version;
    return this;
  }

  description(text: string): this {
    this.descriptionText = text;
    return this;
  }

  label(key: string, value: string): this {
    this.labels[key] = value;
    return this;
  }

  config(config: WorkflowConfig): this {
    this.configValue = { ...this.configValue, ...config };
    return this;
  }

  input(name: string, type: InputParameter['type'], options: InputOptions = {}): this {
    this.inputs.push({ name, type, ...options });
    return this;
  }

  task(id: string, options: TaskOptions): this {
    this.tasks.push({ id, ...options });
    return this;
  }

  branch(
    condition: string,
    tasks: readonly TaskDefinition[],
    otherwise?: readonly TaskDefinition[],
  ): this {
    this.branches.push({
      condition,
      tasks: [...tasks],
      ...(otherwise === undefined ? {} : { else: [...otherwise] }),
    });
    return this;
  }

  output(name: string, mapping: OutputMapping): this {
    this.outputs[name] = mapping;
    return this;
  }

  on(event: EventName, handler: EventHandler): this {
    (this.events[event] ??= []).push(handler);
    return this;
  }

  /** The definition, exactly as a YAML file would give it. */
  build(): WorkflowDocument {
    const hasEvents = Object.keys(this.events).length > 0;
    return {
      apiVersion: API_VERSION,
      kind: 'Workflow',
      metadata: {
        name: this.name,
        version: this.versionText,
        ...(this.descriptionText === undefined ? {} : { description: this.descriptionText }),
        ...(Object.keys(this.labels).length === 0 ? {} : { labels: { ...this.labels } }),
      },
      spec: {
        ...(this.configValue === undefined ? {} : { config: this.configValue }),
        ...(this.inputs.length === 0 ? {} : { inputs: [...this.inputs] }),
        tasks: [...this.tasks],
        ...(this.branches.length === 0 ? {} : { branches: [...this.branches] }),
        ...(Object.keys(this.outputs).length === 0 ? {} : { outputs: { ...this.outputs } }),
        ...(hasEvents ? { events: { ...this.events } } : {}),
      },
    };
  }

  /** The definition as YAML text (what `llm-orchestrator validate` and `run` read). */
  toYaml(): string {
    return stringify(this.build(), { lineWidth: 0 });
  }
}

/** Starts a workflow definition in code. */
export function workflow(name: string): WorkflowBuilder {
  return new WorkflowBuilder(name);
}
