// The playground page: loads the model's schema through the proxy, builds the form, runs
// predictions and shows what comes back. No framework, no network beyond this origin.
import { buildForm, clearErrors, el, readForm, resetForm, setError, setValues } from './form.js';
import { clearHistory, hasOmitted, loadHistory, saveRun } from './history.js';
import { OutputView } from './outputs.js';
import { cancelPrediction, HttpError, newId, runPrediction } from './run.js';
import { inputFields, isStreaming, outputShape } from './schema.js';

const $ = (id) => document.getElementById(id);
const state = { config: undefined, doc: undefined, fields: [], shape: { kind: 'text' }, streaming: false, running: undefined };

function setBadge(node, text, tone) {
  node.hidden = !text;
  node.textContent = text ?? '';
  node.dataset.tone = tone ?? 'neutral';
}

const TONES = { READY: 'ok', succeeded: 'ok', BUSY: 'busy', STARTING: 'busy', processing: 'busy', starting: 'busy', canceled: 'neutral' };
const tone = (s) => TONES[s] ?? (s ? 'bad' : 'neutral');

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (!res.ok) throw new HttpError(res.status, body);
  return body;
}

async function pollHealth() {
  try {
    const health = await getJson('/api/health-check');
    setBadge($('health'), health.status, tone(health.status));
    $('health').title = health.user_healthcheck_error ?? '';
    return health.status;
  } catch (err) {
    setBadge($('health'), 'unreachable', 'bad');
    $('health').title = err.message;
    return undefined;
  } finally {
    setTimeout(pollHealth, state.running ? 1000 : 3000);
  }
}

// Asked for as soon as the module runs, in parallel with /config.
const firstSchema = getJson('/api/openapi.json');
firstSchema.catch(() => undefined);
const firstConfig = getJson('/config');
firstConfig.catch(() => undefined);

async function loadSchema() {
  for (let attempt = 0; ; attempt++) {
    try {
      return await (attempt === 0 ? firstSchema : getJson('/api/openapi.json'));
    } catch (err) {
      const box = $('schema-error');
      box.hidden = false;
      box.textContent = `Waiting for the model's schema at ${state.config?.target ?? 'the target'}: ${err.message}`;
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 4000)));
    }
  }
}

function runMode() {
  const chosen = document.querySelector('input[name="mode"]:checked')?.value;
  if (chosen === 'async') return 'async';
  return state.streaming ? 'stream' : 'sync';
}

function showPrediction(p, view) {
  if (!p || typeof p !== 'object') return;
  if (p.status) setBadge($('status'), p.status, tone(p.status));
  if (typeof p.logs === 'string') $('logs').textContent = p.logs;
  if (p.error) {
    $('error').hidden = false;
    $('error').textContent = p.error;
  }
  if (p.metrics && typeof p.metrics === 'object') {
    $('metrics').textContent = Object.entries(p.metrics).map(([k, v]) => `${k}: ${typeof v === 'number' ? Number(v.toFixed(4)) : JSON.stringify(v)}`).join(' · ');
  }
  $('raw').textContent = JSON.stringify(p, null, 2);
  if (view && p.output !== undefined && p.output !== null) {
    if (p.status === 'processing' || p.status === 'starting') view.grow(p.output);
    else view.set(p.output);
  }
}

function resetOutput() {
  $('error').hidden = true;
  $('error').textContent = '';
  $('logs').textContent = '';
  $('metrics').textContent = '';
  $('raw').textContent = '';
  setBadge($('status'), undefined);
  return new OutputView($('output'), state.shape);
}

function showHttpError(err) {
  if (err instanceof HttpError && err.status === 422 && Array.isArray(err.body?.detail)) {
    const loose = [];
    for (const d of err.body.detail) {
      const name = Array.isArray(d.loc) ? d.loc[d.loc.length - 1] : undefined;
      if (!(typeof name === 'string' && setError(name, `${name}: ${d.msg}`))) loose.push(d.msg);
    }
    $('error').hidden = false;
    $('error').textContent = `The model rejected the input${loose.length ? `: ${loose.join('; ')}` : ' (see the fields)'}`;
    return;
  }
  $('error').hidden = false;
  $('error').textContent = err.status === 409 ? 'The model is busy with another prediction (409); try again when it is done.' : err.message;
}

async function submit(event) {
  event.preventDefault();
  if (state.running) return;
  const { input, ok } = await readForm(state.fields);
  if (!ok) {
    document.querySelector('.field.invalid input, .field.invalid textarea, .field.invalid select')?.focus();
    return;
  }
  const id = newId();
  const mode = runMode();
  const view = resetOutput();
  const controller = new AbortController();
  state.running = { id, controller };
  document.body.dataset.state = 'running';
  $('submit').disabled = true;
  $('cancel').disabled = false;
  setBadge($('status'), 'starting', 'busy');
  const started = Date.now();
  let final;
  try {
    final = await runPrediction({
      id,
      input,
      mode,
      webhookBase: state.config.webhookBase,
      signal: controller.signal,
      hooks: {
        onStart: (p) => setBadge($('status'), p?.status ?? 'processing', 'busy'),
        onChunk: (chunk) => view.push(chunk),
        onLog: (text) => ($('logs').textContent += text),
        onUpdate: (p) => showPrediction(p, view),
      },
    });
    showPrediction(final, view);
  } catch (err) {
    if (err.name === 'AbortError') setBadge($('status'), 'canceled', 'neutral');
    else {
      setBadge($('status'), 'error', 'bad');
      showHttpError(err);
    }
  } finally {
    state.running = undefined;
    document.body.dataset.state = 'done';
    $('submit').disabled = false;
    $('cancel').disabled = true;
  }
  const entry = { id, at: new Date(started).toISOString(), mode, input, status: final?.status ?? 'error', output: final?.output, error: final?.error ?? ($('error').hidden ? null : $('error').textContent), metrics: final?.metrics ?? null, logs: final?.logs ?? '' };
  renderHistory(saveRun(state.config.target, entry));
}

async function cancel() {
  const run = state.running;
  if (!run) return;
  $('cancel').disabled = true;
  const accepted = await cancelPrediction(run.id).catch(() => false);
  // The server answers the open request with status "canceled"; if it cannot (it already
  // finished, or it is not a Cog server) stop waiting after a while.
  setTimeout(() => state.running === run && run.controller.abort(), accepted ? 10_000 : 0);
}

function renderHistory(list) {
  const box = $('history');
  box.replaceChildren();
  for (const run of list) {
    const when = new Date(run.at);
    const button = el('button', { type: 'button', class: 'history-item', title: `${run.id}\n${JSON.stringify(run.input).slice(0, 300)}` },
      el('span', { class: 'badge', 'data-tone': tone(run.status), text: run.status }),
      ` ${when.toLocaleTimeString()} · ${run.mode}`);
    button.addEventListener('click', () => restore(run));
    box.append(el('li', {}, button));
  }
  if (list.length === 0) box.append(el('li', { class: 'hint', text: 'No runs yet.' }));
}

function restore(run) {
  resetForm(state.fields);
  const input = Object.fromEntries(Object.entries(run.input ?? {}).filter(([, v]) => !hasOmitted(v)));
  setValues(state.fields, input);
  const view = resetOutput();
  showPrediction({ ...run, output: hasOmitted(run.output) ? undefined : run.output }, view);
  if (hasOmitted(run.output)) $('output').replaceChildren(el('p', { class: 'hint', text: 'This output was too large to keep in the history.' }));
}

async function main() {
  document.body.dataset.state = 'loading';
  state.config = await firstConfig;
  $('target').textContent = state.config.target;
  void pollHealth();
  const doc = await loadSchema();
  $('schema-error').hidden = true;
  state.doc = doc;
  state.fields = inputFields(doc);
  state.shape = outputShape(doc);
  // Iterators are tried over SSE even when the schema does not say x-cog-streaming (older
  // generators): a server that will not stream answers 406 and the page waits instead.
  state.streaming = isStreaming(doc) || state.shape.kind === 'iterator' || state.shape.kind === 'concatenate';
  document.title = `${doc.info?.title && doc.info.title !== 'Cog' ? doc.info.title : 'model'} · edgecog playground`;
  $('mode-auto-label').textContent = isStreaming(doc) ? 'stream the output as it is made (SSE)' : state.streaming ? 'stream the output if the model allows (SSE), else wait' : 'wait for the result';
  buildForm($('fields'), state.fields);
  resetOutput();
  renderHistory(loadHistory(state.config.target));
  $('form').addEventListener('submit', submit);
  $('cancel').addEventListener('click', cancel);
  $('reset').addEventListener('click', () => resetForm(state.fields));
  $('clear-history').addEventListener('click', () => {
    clearHistory(state.config.target);
    renderHistory([]);
  });
  document.body.dataset.state = 'ready';
  // For bench/playground-load.mjs: navigation start → form on screen.
  performance.mark('edgecog:form-ready');
}

main().catch((err) => {
  const box = $('schema-error');
  box.hidden = false;
  box.textContent = `The playground could not start: ${err.message}`;
  document.body.dataset.state = 'broken';
});
