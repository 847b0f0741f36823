/**
 * @module explain/prompt
 * Prompt files live beside this module (`prompts/<name>.txt`, under version control; the file name carries the
 * version). A prompt file has a `{{system}}` part and a `{{user}}` part with `{{placeholders}}`. Values are data:
 * they are placed inside delimiters by the template, and any delimiter-like text or template syntax inside a value
 * is neutralised first, so an item title cannot close its own `<item>` tag or inject a placeholder.
 */
import { readFileSync } from 'node:fs';
import { AppError } from '../core/errors.ts';

export interface ChatPrompt {
  /** `<name>.v<N>` */
  id: string;
  system: string;
  user: string;
}

const cache = new Map<string, string>();

function load(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    if (!/^[a-z0-9-]+\.v\d+$/.test(name)) throw new AppError('CONFIG', `prompt: bad prompt name ${JSON.stringify(name)}`);
    text = readFileSync(new URL(`./prompts/${name}.txt`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** Makes a value safe to place between delimiters: no tags, no template braces, no control characters, bounded. */
export function sanitizeValue(value: string, maxLength = 4000): string {
  return value
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ')
    .replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›'))
    .replace(/\{\{|\}\}/g, (m) => (m === '{{' ? '{ {' : '} }'))
    .slice(0, maxLength);
}

export function renderPrompt(name: string, values: Record<string, string>): ChatPrompt {
  const text = load(name);
  const systemAt = text.indexOf('{{system}}');
  const userAt = text.indexOf('{{user}}');
  if (systemAt < 0 || userAt < systemAt) throw new AppError('CONFIG', `prompt: ${name} needs a {{system}} part followed by a {{user}} part`);
  const fill = (part: string) =>
    part.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const value = values[key];
      if (value === undefined) throw new AppError('INTERNAL', `prompt: ${name} needs a value for {{${key}}}`);
      return sanitizeValue(value);
    });
  return {
    id: name,
    system: fill(text.slice(systemAt + '{{system}}'.length, userAt).trim()),
    user: fill(text.slice(userAt + '{{user}}'.length).trim()),
  };
}
