/**
 * @module cli/commands/neo4j
 * `graphrec neo4j`: runs the project's local Neo4j alone (for development and CI) until SIGTERM/SIGINT.
 */
import { loadConfig } from '../../core/config.ts';
import { ensureLocalNeo4j } from '../../store/local-neo4j.ts';
import { numberFlag, parseFlags, type Command } from '../command.ts';
import { formatResult, parseFormat } from '../output.ts';

export const neo4jCommand: Command = {
  name: 'neo4j',
  summary: 'run the local Neo4j 5.26 (Bolt on 127.0.0.1) until stopped',
  help: `usage: graphrec neo4j [--port N] [--data DIR] [--format json|csv]

Starts the project's own Neo4j Community (graph/, Maven artifacts) on 127.0.0.1 and keeps it running until
SIGTERM/SIGINT, then shuts it down cleanly. Prints {"uri", "startedHere"} on stdout once it is ready (one JSON
line, or a CSV header and line with --format csv); startedHere false = one was already answering, and the command exits.
  --port N     Bolt port [GRAPHREC_NEO4J_PORT or 7687]
  --data DIR   data folder [GRAPHREC_NEO4J_DATA or graph/data]
  --format F   json (default) or csv`,
  async run(argv) {
    const { values } = parseFlags(argv, { port: { type: 'string' }, data: { type: 'string' }, format: { type: 'string' } });
    const format = parseFormat(values.format);
    const cfg = loadConfig();
    const neo = {
      ...cfg.neo4j,
      localPort: numberFlag('port', values.port, cfg.neo4j.localPort, { integer: true, min: 1, max: 65535 }),
      localDataDir: values.data ?? cfg.neo4j.localDataDir,
    };
    const local = await ensureLocalNeo4j(neo);
    const ready = { uri: local.uri, startedHere: local.startedHere };
    process.stdout.write(format === 'csv' ? formatResult('csv', ready, [ready]) : JSON.stringify(ready) + '\n');
    if (!local.startedHere) return;
    await new Promise<void>((resolve) => {
      const stop = () => void local.stop().then(resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
  },
};
