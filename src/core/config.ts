/**
 * @module core/config
 * The one place that reads `process.env`. Defaults, then an optional JSON file (`GRAPHREC_CONFIG`), then the env
 * bindings below, validated once with zod (cross-field checks included); a bad value fails at boot with CONFIG.
 * Every key has its one-line doc beside its default; README's configuration table lists the env names.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from './errors.ts';

export const ConfigSchema = z.object({
  neo4j: z.object({
    /** bolt:// or neo4j:// URI of an existing server; empty = start the local embedded Neo4j. */
    uri: z.string(),
    user: z.string(),
    password: z.string(),
    database: z.string().min(1),
    /** Bolt port of the local Neo4j that graphrec starts itself. */
    localPort: z.number().int().min(1).max(65535),
    /** Data folder of the local Neo4j. */
    localDataDir: z.string().min(1),
    /** Page cache of the local Neo4j, MiB. */
    localPageCacheMb: z.number().int().min(16),
    /** JVM heap of the local Neo4j, MiB. */
    localHeapMb: z.number().int().min(256),
    /** Seconds to wait for the local Neo4j to become ready. */
    startTimeoutS: z.number().positive(),
  }),
  api: z.object({
    /** HTTP port. */
    port: z.number().int().min(0).max(65535),
    /** Interface to bind. */
    host: z.string(),
    /** Largest accepted JSON body. */
    bodyLimit: z.string(),
    /** Default and maximum page sizes for list routes. */
    defaultLimit: z.number().int().min(1),
    maxLimit: z.number().int().min(1),
    /** Bounds on graph exploration routes. */
    maxHops: z.number().int().min(1).max(6),
    maxPaths: z.number().int().min(1),
    maxSubgraphNodes: z.number().int().min(1),
    maxSeeds: z.number().int().min(1),
    maxBatch: z.number().int().min(1),
    /** Largest `k` of a recommendation request. */
    maxK: z.number().int().min(1).max(1000),
  }),
  ingest: z.object({
    /** Rows per write transaction. */
    batchSize: z.number().int().min(1).max(100_000),
  }),
  train: z.object({
    /** LightGCN epochs at start (`npm start`) when no artifact matches the data. */
    epochs: z.number().int().min(0),
    /** Wall-clock cap of that training, seconds. */
    maxSeconds: z.number().positive(),
  }),
  llm: z.object({
    /** `auto`: an endpoint when LLM_BASE_URL is set, else the local GGUF when present, else none (template text). */
    provider: z.enum(['auto', 'openai', 'local', 'none']),
    /** OpenAI-compatible API root, e.g. http://localhost:11434/v1 (Ollama). */
    baseUrl: z.string(),
    model: z.string(),
    apiKey: z.string(),
    /** GGUF file for the in-process model. */
    modelPath: z.string(),
    /** Deadline of one completion, ms. */
    timeoutMs: z.number().int().min(100),
    /** Completions at once (the local model runs one at a time). */
    maxConcurrency: z.number().int().min(1).max(64),
    /** CPU threads of the local model. */
    threads: z.number().int().min(1).max(64),
  }),
  data: z.object({
    /** Dataset loaded by `npm start` into an empty database; empty = the seeded demo catalogue. */
    path: z.string(),
    /** Seed of the demo generator. */
    demoSeed: z.number().int(),
  }),
});

export type Config = z.infer<typeof ConfigSchema>;

export const DEFAULTS: Config = {
  neo4j: {
    uri: '',
    user: 'neo4j',
    password: '',
    database: 'neo4j',
    localPort: 7687,
    localDataDir: 'graph/data',
    localPageCacheMb: 512,
    localHeapMb: 2048,
    startTimeoutS: 120,
  },
  api: {
    port: 3000,
    host: '127.0.0.1',
    bodyLimit: '1mb',
    defaultLimit: 20,
    maxLimit: 500,
    maxHops: 4,
    maxPaths: 50,
    maxSubgraphNodes: 500,
    maxSeeds: 50,
    maxBatch: 1000,
    maxK: 100,
  },
  ingest: { batchSize: 5000 },
  train: { epochs: 300, maxSeconds: 90 },
  llm: {
    provider: 'auto',
    baseUrl: '',
    model: '',
    apiKey: '',
    modelPath: '.cache/models/SmolLM2-135M-Instruct.Q4_1.gguf',
    timeoutMs: 20_000,
    maxConcurrency: 1,
    threads: 1,
  },
  data: { path: '', demoSeed: 42 },
};

type EnvKind = 'string' | 'int' | 'number';
/** [config path, env variable, kind] */
export const ENV_BINDINGS: ReadonlyArray<readonly [string, string, EnvKind]> = [
  ['neo4j.uri', 'NEO4J_URI', 'string'],
  ['neo4j.user', 'NEO4J_USER', 'string'],
  ['neo4j.password', 'NEO4J_PASSWORD', 'string'],
  ['neo4j.database', 'NEO4J_DATABASE', 'string'],
  ['neo4j.localPort', 'GRAPHREC_NEO4J_PORT', 'int'],
  ['neo4j.localDataDir', 'GRAPHREC_NEO4J_DATA', 'string'],
  ['neo4j.localPageCacheMb', 'GRAPHREC_NEO4J_PAGECACHE_MB', 'int'],
  ['neo4j.localHeapMb', 'GRAPHREC_NEO4J_HEAP_MB', 'int'],
  ['api.port', 'PORT', 'int'],
  ['api.host', 'HOST', 'string'],
  ['ingest.batchSize', 'GRAPHREC_BATCH_SIZE', 'int'],
  ['train.epochs', 'GRAPHREC_TRAIN_EPOCHS', 'int'],
  ['train.maxSeconds', 'GRAPHREC_TRAIN_MAX_SECONDS', 'number'],
  ['llm.provider', 'LLM_PROVIDER', 'string'],
  ['llm.baseUrl', 'LLM_BASE_URL', 'string'],
  ['llm.model', 'LLM_MODEL', 'string'],
  ['llm.apiKey', 'LLM_API_KEY', 'string'],
  ['llm.modelPath', 'LLM_MODEL_PATH', 'string'],
  ['llm.timeoutMs', 'LLM_TIMEOUT_MS', 'int'],
  ['llm.maxConcurrency', 'LLM_MAX_CONCURRENCY', 'int'],
  ['llm.threads', 'LLM_THREADS', 'int'],
  ['data.path', 'GRAPHREC_DATA', 'string'],
  ['data.demoSeed', 'GRAPHREC_DEMO_SEED', 'int'],
];

type Json = Record<string, unknown>;

function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]!] = value;
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && prev && typeof prev === 'object'
        ? deepMerge(prev as Json, value as Json)
        : value;
  }
  return out;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; defaults to `GRAPHREC_CONFIG`. */
  file?: string;
  /** Overrides applied last (CLI flags, tests). */
  overrides?: Json;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  let merged: Json = structuredClone(DEFAULTS) as unknown as Json;
  const file = options.file ?? env.GRAPHREC_CONFIG;
  if (file) {
    try {
      merged = deepMerge(merged, JSON.parse(readFileSync(file, 'utf8')) as Json);
    } catch (error) {
      throw new AppError('CONFIG', `config: cannot read ${file}: ${(error as Error).message}`);
    }
  }
  const fromEnv: Json = {};
  for (const [path, name, kind] of ENV_BINDINGS) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = kind === 'string' ? raw : Number(raw);
    if (kind !== 'string' && (!Number.isFinite(value) || (kind === 'int' && !Number.isInteger(value)))) {
      throw new AppError('CONFIG', `config: ${name}=${JSON.stringify(raw)} is not a valid ${kind}`);
    }
    setPath(fromEnv, path, value);
  }
  merged = deepMerge(merged, fromEnv);
  if (options.overrides) merged = deepMerge(merged, options.overrides);
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('CONFIG', `config: ${issue.path.join('.')}: ${issue.message}`);
  }
  const cfg = parsed.data;
  if (cfg.api.defaultLimit > cfg.api.maxLimit) {
    throw new AppError('CONFIG', 'config: api.defaultLimit must not exceed api.maxLimit');
  }
  if (cfg.neo4j.uri && !/^(bolt|neo4j)(\+s|\+ssc)?:\/\//.test(cfg.neo4j.uri)) {
    throw new AppError('CONFIG', `config: NEO4J_URI must start with bolt:// or neo4j:// (got ${cfg.neo4j.uri})`);
  }
  return cfg;
}
