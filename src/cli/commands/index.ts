/**
 * @module cli/commands
 * The registry of `graphrec` commands, in the order `graphrec --help` lists them. Each command module is imported
 * only when it runs, so `graphrec neo4j` does not load the API or the compute stack.
 */
import type { Command } from '../command.ts';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'serve', summary: 'start Neo4j (local unless NEO4J_URI), load data if empty, serve the API and explorer', load: async () => (await import('./serve.ts')).serveCommand },
  { name: 'mcp', summary: 'an MCP server on stdio for AI agents (tools: recommend, explain, search, similar_items, user_history, graph_neighbours, start_conversation, converse)', load: async () => (await import('./mcp.ts')).mcpCommand },
  { name: 'neo4j', summary: 'run the local Neo4j 5.26 (Bolt on 127.0.0.1) until stopped', load: async () => (await import('./neo4j.ts')).neo4jCommand },
  { name: 'generate', summary: 'write a seeded synthetic dataset (power-law degrees, communities, knowledge graph) in the generic format', load: async () => (await import('./generate.ts')).generateCommand },
  { name: 'ingest', summary: 'load a dataset into Neo4j (idempotent, resumable, per-row error report)', load: async () => (await import('./ingest.ts')).ingestCommand },
  { name: 'recommend', summary: 'top-k recommendations for a user or a file of users (JSON or CSV)', load: async () => (await import('./recommend.ts')).recommendCommand },
  { name: 'similar', summary: 'items most like one item (embedding cosine, or item-restarted PPR), JSON or CSV', load: async () => (await import('./similar.ts')).similarCliCommand },
  { name: 'explain', summary: 'why an item suits a user: evidence paths, facts and the grounded explanation', load: async () => (await import('./explain.ts')).explainCommand },
  { name: 'stats', summary: 'graph statistics of the projection: counts, degree distributions (and charts), density, components', load: async () => (await import('./stats.ts')).statsCliCommand },
  { name: 'ppr', summary: 'Personalized PageRank from a user or from seed nodes: top-k items (or other kinds)', load: async () => (await import('./ppr.ts')).pprCliCommand },
  { name: 'train', summary: 'train LightGCN embeddings on a dataset and save them as a versioned artifact under embeddings/', load: async () => (await import('./train.ts')).trainCommand },
  { name: 'doctor', summary: 'list stored interactions outside the configured bounds (what a start skips); --fix deletes or clamps them', load: async () => (await import('./doctor.ts')).doctorCommand },
  { name: 'train-explainer', summary: 'fine-tune the local model to write explanations the claim checker serves (GGUF + manifest)', load: async () => (await import('./train-explainer.ts')).trainExplainerCommand },
  { name: 'key', summary: 'make an API key (key new) or print the SHA-256 of one (key hash) for GRAPHREC_API_KEYS', load: async () => (await import('./key.ts')).keyCommand },
  { name: 'evaluate', summary: 'full-ranking evaluation of LightGCN and baselines on a benchmark split (Recall/NDCG/… @K, charts)', load: async () => (await import('./evaluate.ts')).evaluateCommand },
  { name: 'export', summary: 'write the projection (nodes.csv, edges.csv) and embeddings (.npy) with a manifest for notebooks', load: async () => (await import('./export.ts')).exportCommand },
];
