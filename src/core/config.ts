/**
 * @module core/config
 * The one place that reads `process.env`. Defaults, then an optional JSON file (`GRAPHREC_CONFIG`), then the env
 * bindings below, validated once with zod (cross-field checks included); a bad value fails at boot with CONFIG.
 * Every key has its one-line doc beside its default; README's configuration table lists the env names.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { boundsProblem, INTERACTION_BOUNDS } from './bounds.ts';
import { AppError } from './errors.ts';
import { INTERACTION_DEFAULTS } from './interactions.ts';
import { parseTransform } from './weight-transform.ts';

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
    /**
     * Seconds a stop of the local Neo4j waits for its clean shutdown before killing it. After writes to a vector index
     * the shutdown waits for Lucene's merges (38–49 s right after a publish at 10M and 50M interactions, docs/neo4j.md);
     * a kill cuts it short and the next start recovers.
     */
    stopTimeoutS: z.number().positive(),
    /** How long the driver retries a failing transaction (server gone, leader switch) before the error surfaces, ms. */
    maxTransactionRetryMs: z.number().int().min(0),
    /** Transaction timeout of every store read served by the API (Neo4j terminates it; the request gets 504 TIMEOUT), ms; 0 = none. */
    readTimeoutMs: z.number().int().min(0),
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
    /** Deepest JSON nesting (arrays + objects) accepted in a body; checked on the raw bytes before parsing. */
    maxJsonDepth: z.number().int().min(2).max(1000),
    /** Longest request target (path + query string), characters. */
    maxUrlLength: z.number().int().min(256).max(65_536),
    /** Largest request line + headers, bytes (Node's `maxHeaderSize`); more is answered 431. */
    maxHeaderBytes: z.number().int().min(1024).max(1_048_576),
    /** Most request headers read; the rest are ignored (Node's `maxHeadersCount`). */
    maxHeaders: z.number().int().min(16).max(2000),
    /** Time allowed to receive the request headers, ms (slow-client guard). */
    headersTimeoutMs: z.number().int().min(1000),
    /** Time allowed to receive the whole request, ms (not the response: streams may run longer). */
    requestTimeoutMs: z.number().int().min(1000),
    /** Origins allowed to call the API from a browser (CORS); empty = same-origin only, `*` = any. */
    corsOrigins: z.array(z.string().min(1)),
    /** With no API keys: extra `Host` names answered besides loopback, local addresses and the machine's name (`.example.com` = domain and subdomains, `*` = any); see docs/security.md. */
    allowedHosts: z.array(z.string().min(1)),
    /** How long a browser may cache a CORS preflight answer, seconds. */
    corsMaxAgeS: z.number().int().min(0).max(86_400),
    /** Content-Security-Policy of every response: same-origin scripts only, never inline (inline styles: sigma.js sets them). */
    contentSecurityPolicy: z.string().min(1).regex(/^[^\r\n]+$/, 'one line'),
  }),
  auth: z.object({
    /** API keys, stored as SHA-256 digests of the key (hex); scopes read < write < admin. Empty = no keys: see docs/security.md. */
    keys: z.array(
      z.strictObject({
        name: z.string().min(1).max(64).regex(/^[\w.-]+$/, 'letters, digits, _ . - only'),
        sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits (sha256 of the key)'),
        scopes: z.array(z.enum(['read', 'write', 'admin'])).min(1),
      }),
    ),
    /** Read routes need a key too (requires at least one key). Probes and the explorer page stay open. */
    readRequiresKey: z.boolean(),
    rateLimit: z.object({
      /** Requests per second refilled into each anonymous client's bucket (per IP); 0 = unlimited. */
      anonymousPerSecond: z.number().min(0),
      /** Bucket size of an anonymous client (the burst it may send at once). */
      anonymousBurst: z.number().int().min(1),
      /** Requests per second refilled into each API key's bucket; 0 = unlimited. */
      keyPerSecond: z.number().min(0),
      /** Bucket size of an API key. */
      keyBurst: z.number().int().min(1),
      /** Clients on the loopback interface (without forwarding headers) are not rate limited. */
      exemptLoopback: z.boolean(),
      /** Most buckets held at once; the least recently used is dropped. */
      maxClients: z.number().int().min(1),
      /** Tokens one LLM explanation takes from its client's bucket (on top of the request's 1); 0 = LLM work is free. */
      llmCost: z.number().min(0),
    }),
  }),
  bounds: z.object({
    /** Lowest accepted rating (API writes, ingest rows, stored edges: see core/bounds). */
    ratingMin: z.number(),
    /** Highest accepted rating. */
    ratingMax: z.number(),
    /** Largest accepted interaction weight; at most the largest 32-bit float (the projection's type). */
    maxWeight: z.number().positive(),
  }),
  ingest: z.object({
    /** Rows per write transaction. */
    batchSize: z.number().int().min(1).max(100_000),
    /** Batch transactions of one file in flight at once in the online loader (ingest/load `inFlight`). */
    inFlight: z.number().int().min(1).max(16),
  }),
  /** The one meaning of an interaction (core/interactions): how a (user, item) edge weight combines its kinds. */
  interactions: z.object({
    /** Multiplier of each kind's value (its weight, else its rating, else 1) in the edge weight: rating → its value, click → 1, purchase → 3, listen → its count. */
    kindWeights: z.record(z.string().min(1), z.number().finite().min(0)),
    /** Multiplier of a kind not named in kindWeights. */
    defaultKindWeight: z.number().finite().min(0),
    /** Time the live engine waits after a committed write to apply the writes together (coalescing), ms. */
    coalesceMs: z.number().int().min(0).max(10_000),
    /** Largest share of the event loop that applying writes may take under a stream of them, in (0, 1] (engine/live). */
    maxApplyShare: z.number().gt(0).max(1),
    /** Longest slice of an application's block copies, ms; requests are served between slices; 0 = one piece (engine/live). */
    applySliceMs: z.number().min(0).max(1000),
    /**
     * Live writes build each new version on shared buffers, collected by graphrec's own policy (core/shared-arrays)
     * rather than by the full collections V8 starts as the version is allocated: shorter holds of the event loop per
     * write on a large graph, more memory held between collections (docs/operations.md, "Versions on shared buffers").
     */
    sharedVersions: z.boolean(),
  }),
  /** Per-kind transforms of interaction values before the combination above (core/weight-transform). */
  weights: z.object({
    /** Edge-weight transform by interaction kind (`listen`: `log1p`); steps none, log1p, binary, user-norm, cap:P joined by `+` (core/weight-transform). */
    transforms: z.record(z.string().min(1), z.string()),
    /** Transform of a kind without its own entry whose weights are heavy-tailed (max/median ≥ heavyTailRatio); `none` = off. */
    heavyTailTransform: z.string(),
    /** max / median of a kind's weights at or above which ingest warns and the heavy-tail default applies. */
    heavyTailRatio: z.number().min(1),
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
    /** LLM explanations one request may start (`k=100&explain=text`); the rest get the deterministic text at once. */
    maxPerRequest: z.number().int().min(0).max(1000),
    /** Calls waiting for the model, all clients together; one more is answered 503 + Retry-After. */
    maxQueue: z.number().int().min(0).max(10_000),
    /** Calls waiting for the model for one client (API key or address); one more is answered 429 + Retry-After. */
    maxQueuePerClient: z.number().int().min(1).max(10_000),
  }),
  explain: z.object({
    /**
     * Who writes the served explanations (explain/llm/policy). `auto`: the LLM only when one was chosen explicitly
     * (LLM_BASE_URL or LLM_MODEL_PATH set) or when the fine-tuned explainer (`graphrec train-explainer`) measured
     * `llmServedRate` ≥ 0.5 in its manifest; otherwise the verified template, at once (no model is loaded: the
     * bundled SmolLM2's answers fail the checks, docs/llm.md). `always`: the model regardless (endpoint, explainer or
     * bundled GGUF). `never`: the template only.
     */
    llm: z.enum(['auto', 'always', 'never']),
  }),
  data: z.object({
    /** Dataset loaded by `npm start` into an empty database; empty = the seeded demo catalogue. */
    path: z.string(),
    /** Seed of the demo generator. */
    demoSeed: z.number().int(),
    /**
     * A graph mapping file (docs/graph-mapping.md): read an existing Neo4j schema instead of graphrec's own model;
     * then nothing is seeded or ingested into that database. Empty = graphrec's own model.
     */
    mapping: z.string(),
  }),
  serve: z.object({
    /** After SIGTERM/SIGINT, time in-flight requests get to finish before their connections are closed, ms. */
    drainTimeoutMs: z.number().int().min(0),
    /** Hard limit on the whole shutdown (drain, driver, local Neo4j); past it the process exits 1, ms. */
    shutdownTimeoutMs: z.number().int().min(1000),
    /** Interval of the Neo4j health ping while serving (degraded mode detection and recovery), ms. */
    healthIntervalMs: z.number().int().min(100),
    /**
     * Worker threads that each hold a copy of the engine and rank recommendations beside the serving thread
     * (engine/replicas): more requests per second on more cores, one engine's memory per thread. 0 = rank on the
     * serving thread only.
     */
    rankThreads: z.number().int().min(0).max(64),
  }),
  converse: z.object({
    /** A conversation (POST /v1/conversations) expires this long after its last use, s. */
    ttlS: z.number().int().min(1),
    /** Conversations kept in memory at once; one more evicts the least recently used. */
    maxSessions: z.number().int().min(1),
    /** Turns per conversation. */
    maxTurns: z.number().int().min(1),
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
    stopTimeoutS: 600,
    maxTransactionRetryMs: 15_000,
    readTimeoutMs: 5000,
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
    maxJsonDepth: 32,
    maxUrlLength: 4096,
    maxHeaderBytes: 16_384,
    maxHeaders: 100,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    corsOrigins: [],
    allowedHosts: [],
    corsMaxAgeS: 600,
    contentSecurityPolicy:
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  },
  auth: {
    keys: [],
    readRequiresKey: false,
    rateLimit: { anonymousPerSecond: 50, anonymousBurst: 200, keyPerSecond: 500, keyBurst: 1000, exemptLoopback: true, maxClients: 10_000, llmCost: 10 },
  },
  bounds: { ...INTERACTION_BOUNDS },
  ingest: { batchSize: 5000, inFlight: 2 },
  interactions: { kindWeights: { ...INTERACTION_DEFAULTS.kindWeights }, defaultKindWeight: INTERACTION_DEFAULTS.defaultKindWeight, coalesceMs: 50, maxApplyShare: 0.5, applySliceMs: 10, sharedVersions: false },
  weights: { transforms: {}, heavyTailTransform: 'log1p+user-norm', heavyTailRatio: 50 },
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
    maxPerRequest: 3,
    maxQueue: 32,
    maxQueuePerClient: 4,
  },
  explain: { llm: 'auto' },
  data: { path: '', demoSeed: 42, mapping: '' },
  serve: { drainTimeoutMs: 10_000, shutdownTimeoutMs: 60_000, healthIntervalMs: 1000, rankThreads: 0 },
  converse: { ttlS: 1800, maxSessions: 1000, maxTurns: 50 },
};

/** `map`: `key=value,key=value`; `list`: comma-separated; `bool`: true/false/1/0; `keys`: `name:sha256hex:scope,scope;…` (see `parseApiKeys`). */
type EnvKind = 'string' | 'int' | 'number' | 'bool' | 'list' | 'keys' | 'map';
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
  ['neo4j.stopTimeoutS', 'GRAPHREC_NEO4J_STOP_TIMEOUT_S', 'int'],
  ['neo4j.maxTransactionRetryMs', 'NEO4J_MAX_TX_RETRY_MS', 'int'],
  ['neo4j.readTimeoutMs', 'NEO4J_READ_TIMEOUT_MS', 'int'],
  ['api.port', 'PORT', 'int'],
  ['api.host', 'HOST', 'string'],
  ['api.corsOrigins', 'GRAPHREC_CORS_ORIGINS', 'list'],
  ['api.allowedHosts', 'GRAPHREC_ALLOWED_HOSTS', 'list'],
  ['auth.keys', 'GRAPHREC_API_KEYS', 'keys'],
  ['auth.readRequiresKey', 'GRAPHREC_READ_REQUIRES_KEY', 'bool'],
  ['auth.rateLimit.anonymousPerSecond', 'GRAPHREC_RATE_LIMIT_ANON_PER_S', 'number'],
  ['auth.rateLimit.keyPerSecond', 'GRAPHREC_RATE_LIMIT_KEY_PER_S', 'number'],
  ['bounds.ratingMin', 'GRAPHREC_RATING_MIN', 'number'],
  ['bounds.ratingMax', 'GRAPHREC_RATING_MAX', 'number'],
  ['bounds.maxWeight', 'GRAPHREC_MAX_WEIGHT', 'number'],
  ['ingest.batchSize', 'GRAPHREC_BATCH_SIZE', 'int'],
  ['ingest.inFlight', 'GRAPHREC_INGEST_IN_FLIGHT', 'int'],
  ['interactions.coalesceMs', 'GRAPHREC_COALESCE_MS', 'int'],
  ['interactions.maxApplyShare', 'GRAPHREC_MAX_APPLY_SHARE', 'number'],
  ['interactions.applySliceMs', 'GRAPHREC_APPLY_SLICE_MS', 'number'],
  ['interactions.sharedVersions', 'GRAPHREC_SHARED_VERSIONS', 'bool'],
  ['weights.transforms', 'GRAPHREC_WEIGHT_TRANSFORMS', 'map'],
  ['weights.heavyTailTransform', 'GRAPHREC_HEAVY_TAIL_TRANSFORM', 'string'],
  ['weights.heavyTailRatio', 'GRAPHREC_HEAVY_TAIL_RATIO', 'number'],
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
  ['explain.llm', 'GRAPHREC_EXPLAIN_LLM', 'string'],
  ['llm.maxPerRequest', 'LLM_MAX_PER_REQUEST', 'int'],
  ['llm.maxQueue', 'LLM_MAX_QUEUE', 'int'],
  ['llm.maxQueuePerClient', 'LLM_MAX_QUEUE_PER_CLIENT', 'int'],
  ['data.path', 'GRAPHREC_DATA', 'string'],
  ['data.demoSeed', 'GRAPHREC_DEMO_SEED', 'int'],
  ['data.mapping', 'GRAPHREC_GRAPH_MAPPING', 'string'],
  ['serve.drainTimeoutMs', 'GRAPHREC_DRAIN_TIMEOUT_MS', 'int'],
  ['serve.shutdownTimeoutMs', 'GRAPHREC_SHUTDOWN_TIMEOUT_MS', 'int'],
  ['serve.healthIntervalMs', 'GRAPHREC_HEALTH_INTERVAL_MS', 'int'],
  ['serve.rankThreads', 'GRAPHREC_RANK_THREADS', 'int'],
  ['converse.ttlS', 'GRAPHREC_CONVERSE_TTL_S', 'int'],
  ['converse.maxSessions', 'GRAPHREC_CONVERSE_MAX_SESSIONS', 'int'],
  ['converse.maxTurns', 'GRAPHREC_CONVERSE_MAX_TURNS', 'int'],
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

/**
 * Parses `GRAPHREC_API_KEYS`: entries separated by `;`, each `name:sha256hex:scopes` with scopes separated by `,`
 * (e.g. `ingest:9f86…08:write;ops:60303a…:admin`). Shape errors throw CONFIG; the schema checks the values.
 */
export function parseApiKeys(raw: string): Array<{ name: string; sha256: string; scopes: string[] }> {
  return raw
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const parts = entry.split(':');
      if (parts.length !== 3) throw new AppError('CONFIG', 'config: GRAPHREC_API_KEYS entries must be name:sha256hex:scopes');
      const [name, sha256, scopes] = parts as [string, string, string];
      return { name: name.trim(), sha256: sha256.trim(), scopes: scopes.split(',').map((s) => s.trim()).filter(Boolean) };
    });
}

function envValue(name: string, raw: string, kind: EnvKind): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    case 'keys':
      return parseApiKeys(raw);
    case 'map': {
      const out: Record<string, string> = {};
      for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
        const eq = entry.indexOf('=');
        if (eq <= 0) throw new AppError('CONFIG', `config: ${name} entries must be key=value (got ${JSON.stringify(entry)})`);
        out[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
      }
      return out;
    }
    case 'bool':
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      throw new AppError('CONFIG', `config: ${name}=${JSON.stringify(raw)} is not a valid bool`);
    case 'int':
    case 'number': {
      const value = Number(raw);
      if (!Number.isFinite(value) || (kind === 'int' && !Number.isInteger(value))) {
        throw new AppError('CONFIG', `config: ${name}=${JSON.stringify(raw)} is not a valid ${kind}`);
      }
      return value;
    }
  }
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
    setPath(fromEnv, path, envValue(name, raw, kind));
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
  if (cfg.auth.readRequiresKey && cfg.auth.keys.length === 0) {
    throw new AppError('CONFIG', 'config: auth.readRequiresKey needs at least one key in auth.keys');
  }
  const keyNames = cfg.auth.keys.map((k) => k.name);
  if (new Set(keyNames).size !== keyNames.length) throw new AppError('CONFIG', 'config: auth.keys names must be unique');
  const digests = cfg.auth.keys.map((k) => k.sha256.toLowerCase());
  if (new Set(digests).size !== digests.length) throw new AppError('CONFIG', 'config: auth.keys holds the same key twice');
  if (cfg.api.headersTimeoutMs > cfg.api.requestTimeoutMs) {
    throw new AppError('CONFIG', 'config: api.headersTimeoutMs must not exceed api.requestTimeoutMs');
  }
  const badBounds = boundsProblem(cfg.bounds);
  if (badBounds) throw new AppError('CONFIG', `config: ${badBounds}`);
  for (const [kind, spec] of Object.entries(cfg.weights.transforms)) {
    try {
      parseTransform(spec, 'CONFIG');
    } catch (error) {
      throw new AppError('CONFIG', `config: weights.transforms.${kind}: ${(error as Error).message}`);
    }
  }
  parseTransform(cfg.weights.heavyTailTransform, 'CONFIG');
  if (cfg.neo4j.uri && !/^(bolt|neo4j)(\+s|\+ssc)?:\/\//.test(cfg.neo4j.uri)) {
    throw new AppError('CONFIG', `config: NEO4J_URI must start with bolt:// or neo4j:// (got ${cfg.neo4j.uri})`);
  }
  return cfg;
}
