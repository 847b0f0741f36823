/**
 * @module web/client/dom
 * Small DOM helpers for the explorer, text only: every title, name and id is DATA and goes in through text nodes
 * (`h`, `setRichText`) or `textContent`, never through innerHTML. Also the aria-live status line and `debounce`.
 *
 * @example
 * list.append(h('li', {}, h('button', { type: 'button', onclick: () => open(hit) }, hit.label)));
 */

/** The element with this id (of type `type`, when given); a page without it is a bug, so that throws. */
export function $(id: string): HTMLElement;
export function $<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T;
export function $(id: string, type: { new (): HTMLElement; prototype: HTMLElement } = HTMLElement): HTMLElement {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`explorer: no #${id} (${type.name}) in the page`);
  return el;
}

/** Attribute values: `undefined`, `null` and `false` leave the attribute out, `true` sets it empty; `on*` functions are listeners. */
export type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);
/** Children: nodes, or anything else as text; `undefined`, `null` and `false` are skipped. */
export type Child = Node | string | number | false | null | undefined;

/** Creates an element: `attrs` are set as attributes (or `on*` listeners); children are nodes or strings (text). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, AttrValue> = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Sets `el`'s text, turning the explanation's `*Title*` emphasis into <em> elements (text nodes only). */
export function setRichText<E extends HTMLElement>(el: E, text: string): E {
  el.replaceChildren();
  String(text)
    .split(/\*([^*\n]+)\*/)
    .forEach((part, i) => {
      if (part) el.append(i % 2 ? h('em', {}, part) : document.createTextNode(part));
    });
  return el;
}

/** Removes every child of `el`. */
export function clear<E extends HTMLElement>(el: E): E {
  el.replaceChildren();
  return el;
}

export type StatusKind = 'info' | 'busy' | 'error';

let statusTimer: number | undefined;
/** Announces a message in the aria-live status line; an `info` message fades after 6 s. */
export function status(message: string, kind: StatusKind = 'info'): void {
  const el = $('status');
  window.clearTimeout(statusTimer);
  el.className = `status ${kind}`;
  el.textContent = message;
  if (kind === 'info' && message) statusTimer = window.setTimeout(() => (el.textContent = ''), 6000);
}

/** `fn` called once `ms` after the last of a burst of calls. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let t: number | undefined;
  return (...args) => {
    window.clearTimeout(t);
    t = window.setTimeout(() => fn(...args), ms);
  };
}
