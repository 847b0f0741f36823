/**
 * The tiny movie graph several API and engine tests serve: u1 rated Alien; u2 Alien and Blade Runner; u3 Blade
 * Runner and Casablanca; Alien and Gladiator were directed by Ridley Scott.
 */
import { Engine, type EngineInputs } from '../../src/engine/engine.ts';
import { buildCsr, KIND_CODES, type Csr } from '../../src/project/csr.ts';

export function tinyMovies(): { csr: Csr; labels: Map<string, string> } {
  const K = KIND_CODES;
  const csr = buildCsr({
    ids: ['User:u1', 'User:u2', 'User:u3', 'Item:a', 'Item:b', 'Item:c', 'Item:d', 'Entity:rs'],
    kinds: Uint8Array.from([K.User, K.User, K.User, K.Item, K.Item, K.Item, K.Item, K.Entity]),
    relations: ['INTERACTED', 'director'],
    edges: {
      src: Uint32Array.of(0, 1, 1, 2, 2, 3, 6),
      dst: Uint32Array.of(3, 3, 4, 4, 5, 7, 7),
      weight: Float32Array.of(5, 4, 5, 4, 5, 1, 1),
      relation: Uint16Array.of(0, 0, 0, 0, 0, 1, 1),
    },
  });
  const labels = new Map([
    ['Item:a', 'Alien'],
    ['Item:b', 'Blade Runner'],
    ['Item:c', 'Casablanca'],
    ['Item:d', 'Gladiator'],
    ['Entity:rs', 'Ridley Scott'],
  ]);
  return { csr, labels };
}

/** An engine over {@link tinyMovies}, with whatever else the test gives (an LLM, …). */
export function tinyMoviesEngine(extra: Omit<EngineInputs, 'csr' | 'labels'> = {}): Engine {
  return new Engine({ ...tinyMovies(), ...extra });
}
