// A history of runs in localStorage, per model target: inputs (to run again), status and
// outputs (to look at again). Big data URIs are kept only up to a size, so one large file
// output cannot push every other run out of the browser's quota.
const MAX_ENTRIES = 30;
const MAX_INLINE = 256 * 1024;

function key(target) {
  return `edgecog-playground:history:${target}`;
}

function compact(value) {
  if (typeof value === 'string') {
    return value.length > MAX_INLINE && value.startsWith('data:') ? { $omitted: `${value.slice(0, value.indexOf(',') + 1)}… (${Math.round(value.length / 1024)} KB)` } : value;
  }
  if (Array.isArray(value)) return value.map(compact);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
  return value;
}

/** True when V (or part of it) was left out by compact(). */
export function hasOmitted(v) {
  if (Array.isArray(v)) return v.some(hasOmitted);
  if (v && typeof v === 'object') return '$omitted' in v || Object.values(v).some(hasOmitted);
  return false;
}

export function loadHistory(target) {
  try {
    const list = JSON.parse(localStorage.getItem(key(target)) ?? '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export function saveRun(target, run) {
  let list = [compact(run), ...loadHistory(target).filter((r) => r.id !== run.id)].slice(0, MAX_ENTRIES);
  while (list.length > 0) {
    try {
      localStorage.setItem(key(target), JSON.stringify(list));
      return list;
    } catch {
      list = list.slice(0, -1); // over quota: forget the oldest
    }
  }
  return list;
}

export function clearHistory(target) {
  localStorage.removeItem(key(target));
}
