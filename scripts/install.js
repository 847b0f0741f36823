// Install step, run by `npm ci` / `npm install` (postinstall): prepares what the project needs beyond npm packages.
//  1. The local Neo4j: Maven resolves Neo4j 5.26 and compiles the launcher in graph/ (jars copied to graph/target/lib).
// Each step is skipped when its result is already there; a missing tool is reported with what to install, and the
// step is retried on first use (`npm start`, `npm test`), so a user who points NEO4J_URI at their own server needs
// neither Java nor Maven.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => process.stderr.write(`graphrec install: ${msg}\n`);
const works = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

function buildNeo4j() {
  const built = existsSync(path.join(root, 'graph/target/classes/graphrec/LocalNeo4j.class')) && existsSync(path.join(root, 'graph/target/lib'));
  if (built) return say('local Neo4j launcher already built (graph/target)');
  if (!works('java', ['-version']) || !works('mvn', ['--version'])) {
    return say('Java 17 and Maven are needed for the local Neo4j; not found, skipped (set NEO4J_URI to use your own server)');
  }
  say('resolving Neo4j 5.26 with Maven and building the launcher (graph/)…');
  const result = spawnSync('mvn', ['-B', '-q', '-f', path.join(root, 'graph/pom.xml'), 'package', '-DskipTests'], { stdio: 'inherit' });
  if (result.status !== 0) {
    say('Maven build of graph/ failed; it will be retried on first start');
    if (process.env.CI) process.exit(1);
  }
}

buildNeo4j();
