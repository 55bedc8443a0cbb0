// The in-page half of the measurements. `installProbe` is passed to
// Playwright's addInitScript, so it runs in every page before the page's own
// scripts; it must not refer to anything outside its own body.
//
// A question element is the element a renderer gives one question:
// ours `[data-question-id]`, SurveyJS `[data-name]` (its question root),
// Form.io the `ref="component"` wrapper with class `formio-component-<id>`.
// A question is shown when its element is in the document with a box of
// some height. SurveyJS removes a hidden question's element; ours keeps it
// with the `hidden` attribute (no box); Form.io keeps an empty wrapper of
// height 0 (class `formio-hidden`), so "in the document" alone would count
// our and Form.io's hidden questions as shown.

export function installProbe({ renderer, initiallyShownCount }) {
  const selectors = {
    ours: '[data-question-id]',
    floor: '[data-question-id]',
    surveyjs: '[data-name]',
    formio: '.formio-component[ref="component"]',
  };
  const idReaders = {
    ours: (element) => element.dataset.questionId,
    floor: (element) => element.dataset.questionId,
    surveyjs: (element) => element.dataset.name,
    formio: (element) => /\bformio-component-(q\d+)\b/.exec(element.className)?.[1],
  };
  const selector = selectors[renderer];
  const idOf = idReaders[renderer];

  /** The ids of the questions shown now, in document order. */
  function shownIds() {
    const ids = [];
    for (const element of document.querySelectorAll(selector)) {
      const id = idOf(element);
      if (id !== undefined && element.offsetHeight > 0) ids.push(id);
    }
    return ids;
  }

  function firstShownQuestion() {
    for (const element of document.querySelectorAll(selector)) {
      if (idOf(element) !== undefined && element.offsetHeight > 0) return element;
    }
    return null;
  }

  // Our app keeps its state in WebAssembly memory, outside the JavaScript
  // heap; remembering every instance's memory lets the runner add it, so
  // the heap figure does not leave our own state out.
  const wasmMemories = [];
  const rememberMemories = (result) => {
    const instance = result instanceof WebAssembly.Instance ? result : result.instance;
    for (const value of Object.values(instance?.exports ?? {})) {
      if (value instanceof WebAssembly.Memory) wasmMemories.push(value);
    }
    return result;
  };
  const instantiate = WebAssembly.instantiate;
  const instantiateStreaming = WebAssembly.instantiateStreaming;
  WebAssembly.instantiate = (...args) => instantiate.apply(WebAssembly, args).then(rememberMemories);
  if (instantiateStreaming) {
    WebAssembly.instantiateStreaming = (...args) => instantiateStreaming.apply(WebAssembly, args).then(rememberMemories);
  }

  const bench = {
    firstQuestionAt: null,
    allQuestionsAt: null,
    shownIds,
    wasmMemoryBytes: () => wasmMemories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0),
  };
  window.__bench = bench;

  // Once per frame from the very start of the page: the time of the first
  // frame in which a question is on the page, then of the first frame in
  // which every initially shown question is.
  function watchLoad() {
    if (bench.firstQuestionAt === null && firstShownQuestion() !== null) {
      bench.firstQuestionAt = performance.now();
    }
    if (bench.firstQuestionAt !== null && shownIds().length >= initiallyShownCount) {
      bench.allQuestionsAt = performance.now();
      return;
    }
    requestAnimationFrame(watchLoad);
  }
  requestAnimationFrame(watchLoad);

  /**
   * Arms the keystroke measurement: the next key pressed anywhere starts
   * the clock, and `bench.keystroke` resolves to the time, relative to the
   * key, of the frame after the one that shows the key's work (the typed
   * character, and whatever the renderer redraws for it).
   */
  bench.armKeystroke = () => {
    bench.keystroke = new Promise((resolve) => {
      const onKey = () => {
        window.removeEventListener('keydown', onKey, true);
        const keyAt = performance.now();
        bench.keyAt = keyAt;
        requestAnimationFrame(() => requestAnimationFrame(() => resolve({ nextFrameMs: performance.now() - keyAt })));
      };
      window.addEventListener('keydown', onKey, true);
    });
  };

  /**
   * Makes the next click show (or hide) the given questions' elements by a
   * bare script, setting `hidden` on elements found beforehand, instead of
   * letting the renderer handle it: the same elements, styles and page, so
   * the time it takes is the browser's own floor for that change. The click
   * is kept from the renderer, which sees nothing of it. Throws when a
   * question has no element.
   */
  bench.armBareToggle = ({ ids, show }) => {
    const byId = new Map([...document.querySelectorAll(selector)].map((element) => [idOf(element), element]));
    const elements = ids.map((id) => {
      const element = byId.get(id);
      if (!element) throw new Error(`no element for question ${id}`);
      return element;
    });
    const onClick = (event) => {
      document.removeEventListener('click', onClick, true);
      event.preventDefault();
      event.stopImmediatePropagation();
      for (const element of elements) element.hidden = !show;
    };
    document.addEventListener('click', onClick, true);
  };

  /**
   * Arms the toggle measurement. The next click anywhere (caught in the
   * capture phase, before the renderer's own listeners) starts the clock;
   * then, once per frame, it checks whether every dependent question has
   * reached `expectShown`; when they all have, it waits one more frame, so
   * the frame with the change has been produced. `bench.toggle` resolves to
   * the times, relative to the click, and the number of frames it took.
   */
  bench.armToggle = ({ dependentIds, expectShown, timeoutMs }) => {
    bench.toggle = new Promise((resolve) => {
      const onClick = () => {
        window.removeEventListener('click', onClick, true);
        const clickAt = performance.now();
        bench.clickAt = clickAt;
        let frames = 0;
        const poll = () => {
          frames += 1;
          const shown = new Set(shownIds());
          const changed = dependentIds.every((id) => shown.has(id) === expectShown);
          if (changed) {
            const changedAt = performance.now();
            requestAnimationFrame(() => resolve({
              changedMs: changedAt - clickAt,
              nextFrameMs: performance.now() - clickAt,
              frames,
            }));
          } else if (performance.now() - clickAt > timeoutMs) {
            resolve({ timedOut: true, frames, stillWrong: dependentIds.filter((id) => shown.has(id) !== expectShown) });
          } else {
            requestAnimationFrame(poll);
          }
        };
        requestAnimationFrame(poll);
      };
      window.addEventListener('click', onClick, true);
    });
  };
}
