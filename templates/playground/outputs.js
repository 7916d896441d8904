// Outputs shown as what they are: images, audio and video as media, files as links,
// structured values as pretty JSON, text as text; iterators grow item by item and
// ConcatenateIterator text grows chunk by chunk.
import { el } from './form.js';

const EXT_KIND = {
  png: 'image', jpg: 'image', jpeg: 'image', gif: 'image', webp: 'image', bmp: 'image', svg: 'image', avif: 'image',
  wav: 'audio', mp3: 'audio', ogg: 'audio', flac: 'audio', m4a: 'audio', aac: 'audio', opus: 'audio',
  mp4: 'video', webm: 'video', mov: 'video', mkv: 'video', ogv: 'video',
};

function isUrl(text) {
  return /^(data:[^,]*,|https?:\/\/|blob:)/i.test(text);
}

/** 'image' | 'audio' | 'video' | 'file' for a file-like string, else undefined. */
export function mediaKind(value) {
  if (typeof value !== 'string' || !isUrl(value)) return undefined;
  const data = /^data:([a-z]+)\/([^;,]*)/i.exec(value);
  if (data) {
    const top = data[1].toLowerCase();
    return top === 'image' || top === 'audio' || top === 'video' ? top : 'file';
  }
  let path = value;
  try {
    path = new URL(value).pathname;
  } catch {
    // keep the text
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (ext && EXT_KIND[ext]) || 'file';
}

function fileName(value, index) {
  const data = /^data:([^;,]*)/i.exec(value);
  if (data) {
    const sub = (data[1].split('/')[1] || 'bin').replace(/[^a-z0-9]+/gi, '').slice(0, 8) || 'bin';
    return `output${index === undefined ? '' : `.${index}`}.${sub === 'jpeg' ? 'jpg' : sub === 'plain' ? 'txt' : sub}`;
  }
  try {
    return decodeURIComponent(new URL(value).pathname.split('/').pop() || 'output');
  } catch {
    return 'output';
  }
}

function sizeOf(value) {
  const comma = value.indexOf(',');
  if (!value.startsWith('data:') || comma < 0) return '';
  const bytes = /;base64$/i.test(value.slice(0, comma)) ? Math.floor(((value.length - comma - 1) * 3) / 4) : value.length - comma - 1;
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

/** One value as a DOM node. */
export function renderValue(value, index) {
  const kind = mediaKind(value);
  if (kind) {
    const figure = el('figure', { class: `out-file out-${kind}` });
    if (kind === 'image') figure.append(el('img', { src: value, alt: `output${index === undefined ? '' : ` ${index}`}`, class: 'out-media' }));
    else if (kind === 'audio') figure.append(el('audio', { src: value, controls: true, class: 'out-media' }));
    else if (kind === 'video') figure.append(el('video', { src: value, controls: true, class: 'out-media' }));
    const name = fileName(value, index);
    const size = sizeOf(value);
    figure.append(el('figcaption', {}, el('a', { href: value, download: name, target: '_blank', rel: 'noopener', text: name }), size ? ` (${size})` : ''));
    return figure;
  }
  if (value !== null && typeof value === 'object') return el('pre', { class: 'out-json', text: JSON.stringify(value, null, 2) });
  if (typeof value === 'string') return el('pre', { class: 'out-text', text: value });
  return el('pre', { class: 'out-scalar', text: value === null || value === undefined ? 'null' : JSON.stringify(value) });
}

/** The output panel of one prediction; `push` grows it, `set` shows a whole value. */
export class OutputView {
  constructor(container, shape) {
    this.container = container;
    this.shape = shape;
    this.count = 0;
    this.text = undefined;
    this.list = undefined;
    container.replaceChildren();
  }

  clear() {
    this.count = 0;
    this.text = undefined;
    this.list = undefined;
    this.container.replaceChildren();
  }

  /** One streamed item (an SSE `output` chunk, or a new element of a webhook's output list). */
  push(chunk) {
    this.count += 1;
    if (this.shape.kind === 'concatenate' && (typeof chunk === 'string' || chunk === null)) {
      if (!this.text) {
        this.text = el('pre', { class: 'out-text out-stream' });
        this.container.replaceChildren(this.text);
      }
      this.text.textContent += chunk ?? '';
      return;
    }
    if (!this.list) {
      this.list = el('ol', { class: 'out-list out-stream' });
      this.container.replaceChildren(this.list);
    }
    this.list.append(el('li', {}, renderValue(chunk, this.count - 1)));
  }

  /** Everything streamed so far is OUTPUT (a list): show what is new. */
  grow(output) {
    if (!Array.isArray(output)) return;
    for (let i = this.count; i < output.length; i++) this.push(output[i]);
  }

  /** The final (or a whole) output value. */
  set(value) {
    const kind = this.shape.kind;
    if (Array.isArray(value) && (kind === 'concatenate' || kind === 'iterator')) {
      // Keep what streamed in and add the rest, so the text does not flash.
      if (this.count > value.length) this.clear();
      this.grow(value);
      if (value.length === 0) this.container.replaceChildren(el('p', { class: 'hint', text: '(no items)' }));
      return;
    }
    this.clear();
    if (Array.isArray(value) && value.some((v) => mediaKind(v))) {
      const list = el('ol', { class: 'out-list' });
      value.forEach((v, i) => list.append(el('li', {}, renderValue(v, i))));
      this.container.append(list);
      return;
    }
    this.container.append(renderValue(value));
  }
}
