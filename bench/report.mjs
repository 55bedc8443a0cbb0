// Turns the benchmark's samples into the table printed on stdout and into
// docs/benchmarks.md, including the verdict on each of the issue's aims.
// Every figure is a median over the cold runs with its minimum and maximum;
// each peer's column has its ratio to ours (peer ÷ ours: above 1 means we
// are smaller, faster or lighter by that factor).

const KIB = 1024;
const MIB = 1024 * 1024;
// One frame at 60 Hz, the rate at which headless Chromium produces frames here.
const FRAME_MS = 1000 / 60;
const AIMS = { firstLoadGzipKiB: 150, firstQuestionFactor: 5, toggleFactor: 20, heapBelowPeers: true, phoneFirstQuestionFactor: 3 };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

function number(value, digits) {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(peer, ours) {
  if (ours === 0) return '–';
  const factor = peer / ours;
  return `${number(factor, factor >= 10 ? 0 : 1)}×`;
}

/** The measures, in table order. `digits` is how many decimals a value shows. */
function measures(form) {
  const initiallyShown = form.questionCount - form.dependentCount;
  return [
    { label: 'shipped JS+CSS+WASM+HTML, raw (KB)', value: (run) => run.bytes.raw / KIB, digits: 0, exact: true },
    { label: 'shipped, gzip -9 (KB)', value: (run) => run.bytes.gzip / KIB, digits: 0, exact: true },
    { label: 'first question shown (ms)', value: (run) => run.firstQuestionMs, digits: 0 },
    { label: '  its last script, style or WASM file arrived (ms)', value: (run) => run.codeArrivedMs, digits: 0, noRatio: true },
    { label: `all ${initiallyShown} initial questions shown (ms)`, value: (run) => run.allQuestionsMs, digits: 0 },
    { label: `toggle: show ${form.dependentCount}, to the frame after (ms)`, value: (run) => run.show.nextFrameMs, digits: 1 },
    { label: '  click to first frame showing it (ms)', value: (run) => run.show.changedMs, digits: 1 },
    { label: '  frames until shown', value: (run) => run.show.frames, digits: 0, noRatio: true },
    { label: '  the same change by a bare script: click to first frame (ms)', value: (run) => run.bare.show.changedMs, digits: 1, oursOnly: true },
    { label: `toggle: hide ${form.dependentCount}, to the frame after (ms)`, value: (run) => run.hide.nextFrameMs, digits: 1 },
    { label: '  click to first frame showing it (ms)', value: (run) => run.hide.changedMs, digits: 1 },
    { label: '  frames until hidden', value: (run) => run.hide.frames, digits: 0, noRatio: true },
    { label: '  the same change by a bare script: click to first frame (ms)', value: (run) => run.bare.hide.changedMs, digits: 1, oursOnly: true },
    { label: 'one keystroke in a text question, to the frame after (ms)', value: (run) => run.keystroke.nextFrameMs, digits: 1 },
    { label: 'heap after render: JS + WASM (MB)', value: (run) => (run.heap.js + run.heap.wasm) / MIB, digits: 1 },
    { label: '  of which WASM memory (MB)', value: (run) => run.heap.wasm / MIB, digits: 1, noRatio: true },
    { label: 'DOM (Blink) heap after render (MB)', value: (run) => run.heap.dom / MIB, digits: 1 },
  ];
}

function cell(stats, measure) {
  if (measure.exact || stats.min === stats.max) return number(stats.median, measure.digits);
  return `${number(stats.median, measure.digits)} (${number(stats.min, measure.digits)}–${number(stats.max, measure.digits)})`;
}

/** The rows of one form's table: label, then per renderer its cell and (for peers) its ratio. */
function tableRows(form, renderers, samples, measuresOf = measures) {
  return measuresOf(form).map((measure) => {
    // A measure only ours has (the bare script's toggle) leaves the peers' cells empty.
    const measured = renderers.filter((renderer) => !measure.oursOnly || renderer.key === 'ours');
    const stats = Object.fromEntries(measured.map((renderer) => [renderer.key, summary(samples[renderer.key].map(measure.value))]));
    const ours = stats.ours.median;
    const cells = renderers.map((renderer) => (stats[renderer.key] === undefined ? { text: '', ratio: '' } : {
      text: cell(stats[renderer.key], measure),
      ratio: renderer.key === 'ours' || measure.noRatio || measure.oursOnly ? '' : ratio(stats[renderer.key].median, ours),
    }));
    return { label: measure.label, cells };
  });
}

/** The phone profile's measures, in table order. */
function phoneMeasures(phone) {
  return [
    { label: 'transferred over the network, load and settling (KB)', value: (run) => run.transferred / KIB, digits: 0 },
    { label: 'first question shown (ms)', value: (run) => run.firstQuestionMs, digits: 0 },
    { label: '  its last script, style or WASM file arrived (ms)', value: (run) => run.codeArrivedMs, digits: 0, noRatio: true },
    { label: `toggle: show ${phone.dependentCount}, to the frame after (ms)`, value: (run) => run.show.nextFrameMs, digits: 1 },
    { label: '  click to first frame showing it (ms)', value: (run) => run.show.changedMs, digits: 1 },
    { label: '  frames until shown', value: (run) => run.show.frames, digits: 0, noRatio: true },
  ];
}

function phoneTitle(phone) {
  const { settings } = phone;
  return `Phone profile: ${phone.questionCount} questions (${phone.dependentCount} conditional), CPU ${settings.cpuSlowdown}× slower, `
    + `${number(settings.downKbitPerS / 1000, 1)} Mbit/s down, ${number(settings.upKbitPerS / 1000, 2)} Mbit/s up, ${settings.roundTripMs} ms round trip`;
}

function plainTable(form, renderers, samples, runCount, measuresOf = measures, title = null) {
  const rows = tableRows(form, renderers, samples, measuresOf);
  const header = [`${title ?? `${form.questionCount} questions (${form.dependentCount} conditional)`}, ${runCount} cold runs: median (min–max); × is peer ÷ ours`, ...renderers.map((renderer) => renderer.name)];
  const lines = [header, ...rows.map((row) => [row.label, ...row.cells.map((item) => (item.ratio ? `${item.text}  ${item.ratio}` : item.text))])];
  const widths = lines[0].map((_, column) => Math.max(...lines.map((line) => line[column].length)));
  widths[0] = Math.max(...lines.slice(1).map((line) => line[0].length));
  const format = (line) => line.map((text, column) => (column === 0 ? text.padEnd(widths[0]) : text.padEnd(widths[column]))).join('   ').trimEnd();
  return [header[0], format(['', ...header.slice(1)]), ...lines.slice(1).map(format)].join('\n');
}

function markdownTable(form, renderers, samples, measuresOf = measures) {
  const rows = tableRows(form, renderers, samples, measuresOf);
  const header = ['measure', ...renderers.flatMap((renderer) => (renderer.key === 'ours' ? [renderer.name] : [renderer.name, '÷ ours']))];
  const body = rows.map((row) => [row.label.trim().replace(/^/, row.label.startsWith('  ') ? '… ' : ''), ...row.cells.flatMap((item, index) => (renderers[index].key === 'ours' ? [item.text] : [item.text, item.ratio]))]);
  const align = header.map((_, index) => (index === 0 ? '---' : '---:'));
  return [header, align, ...body].map((line) => `| ${line.join(' | ')} |`).join('\n');
}

function metOrNot(met) {
  return met ? '(met)' : '(not met)';
}

/** Whether our change was painted in the first frame after the click, in every run. */
function insideOneFrame(toggle) {
  return toggle.oursFrames === 1 && toggle.oursChanged <= FRAME_MS;
}

/** "name 1.2, other 3.4": files by name without their hash, in KB gzip. */
function filesText(files) {
  return files.map((file) => `${file.path.replace(/^\/widget\//, '').replace(/-[0-9a-f]{8,16}(?=[._])/, '')} ${number(file.gzip / KIB, 1)}`).join(', ');
}

/** Each aim of the issue, met or not, with the figures that decide it. */
function aimVerdicts(forms, renderers, samples, floor, build) {
  const peers = renderers.filter((renderer) => renderer.key !== 'ours');
  const medianOf = (formName, rendererKey, value) => median(samples[formName][rendererKey].map(value));
  const verdicts = [];

  const gzipKiB = medianOf(forms[0].name, 'ours', (run) => run.bytes.gzip) / KIB;
  const widgetGzipKiB = build.widget.reduce((sum, file) => sum + file.gzip, 0) / KIB;
  verdicts.push({
    aim: `The widget's first load ≤ ${AIMS.firstLoadGzipKiB} KB gzip`,
    met: widgetGzipKiB <= AIMS.firstLoadGzipKiB,
    figures: `The widget's own build ships ${number(widgetGzipKiB, 0)} KB gzip before the first question (${filesText(build.widget)})${(build.widgetLater ?? []).length > 0 ? `, then fetches ${number(build.widgetLater.reduce((sum, file) => sum + file.gzip, 0) / KIB, 0)} KB once the form is on screen (${filesText(build.widgetLater)})` : ''}; the full app measured above (preview, staff and widget) ships ${number(gzipKiB, 0)} KB gzip, the same for every form size. The form itself is not counted.`,
  });

  const firstQuestion = forms.map((form) => {
    const ours = medianOf(form.name, 'ours', (run) => run.firstQuestionMs);
    const fastest = peers.map((peer) => ({ peer, ms: medianOf(form.name, peer.key, (run) => run.firstQuestionMs) })).sort((a, b) => a.ms - b.ms)[0];
    const codeArrived = medianOf(form.name, 'ours', (run) => run.codeArrivedMs);
    return { form, ours, codeArrived, fastest, factor: fastest.ms / ours };
  });
  verdicts.push({
    aim: `First question ≥ ${AIMS.firstQuestionFactor}× faster than the fastest peer`,
    met: firstQuestion.every((item) => item.factor >= AIMS.firstQuestionFactor),
    figures: firstQuestion.map((item) => {
      const met = item.factor >= AIMS.firstQuestionFactor;
      const needed = met ? '' : `; ${AIMS.firstQuestionFactor}× would be ${number(item.fastest.ms / AIMS.firstQuestionFactor, 0)} ms, and our last script or WASM file had arrived at ${number(item.codeArrived, 0)} ms`;
      return `${item.form.questionCount} questions: ours ${number(item.ours, 0)} ms, fastest peer ${item.fastest.peer.name} ${number(item.fastest.ms, 0)} ms, ${number(item.factor, 1)}× ${metOrNot(met)}${needed}`;
    }).join('; ')
      + `. A page with one question in its HTML and no script at all (the floor page) showed it ${number(median(floor), 0)} ms after navigation start: that much of every figure here is navigation, parsing and the first frame, before any renderer's own work.`,
  });

  const toggles = forms.flatMap((form) => ['show', 'hide'].map((direction) => {
    const ours = medianOf(form.name, 'ours', (run) => run[direction].nextFrameMs);
    const oursChanged = medianOf(form.name, 'ours', (run) => run[direction].changedMs);
    const oursFrames = Math.max(...samples[form.name].ours.map((run) => run[direction].frames));
    const fastest = peers.map((peer) => ({ peer, ms: medianOf(form.name, peer.key, (run) => run[direction].nextFrameMs) })).sort((a, b) => a.ms - b.ms)[0];
    const bare = {
      changed: medianOf(form.name, 'ours', (run) => run.bare[direction].changedMs),
      nextFrame: medianOf(form.name, 'ours', (run) => run.bare[direction].nextFrameMs),
    };
    return { form, direction, ours, oursChanged, oursFrames, bare, fastest, factor: fastest.ms / ours };
  }));
  verdicts.push({
    aim: `Toggle ≥ ${AIMS.toggleFactor}× faster than the fastest peer`,
    met: toggles.every((item) => item.factor >= AIMS.toggleFactor),
    figures: toggles.map((item) => {
      const met = item.factor >= AIMS.toggleFactor;
      const needed = item.fastest.ms / AIMS.toggleFactor;
      // "To the frame after" waits one whole frame after the change by
      // construction, so no renderer can go below it.
      const why = met ? '' : needed < FRAME_MS
        ? `; ${AIMS.toggleFactor}× would be ${number(needed, 1)} ms, less than the one frame this measure always includes`
        : `; ${AIMS.toggleFactor}× would be ${number(needed, 1)} ms, and a bare script making the same change on our page takes ${number(item.bare.nextFrame, 1)} ms`;
      return `${item.form.questionCount} questions, ${item.direction}: ours ${number(item.ours, 1)} ms, fastest peer ${item.fastest.peer.name} ${number(item.fastest.ms, 1)} ms, ${number(item.factor, 1)}× ${metOrNot(met)}${why}`;
    }).join('; ') + '.',
  });
  verdicts.push({
    aim: 'Toggle inside one 16 ms frame',
    met: toggles.every(insideOneFrame),
    figures: toggles.map((item) => {
      const met = insideOneFrame(item);
      const why = met ? '' : `; a bare script making the same change to the same elements got its first frame with it ${number(item.bare.changed, 1)} ms after the click, so ${number(item.bare.changed, 1)} ms of ours is the browser's (its work on the change and the wait for the frame) and ${number(Math.max(0, item.oursChanged - item.bare.changed), 1)} ms our app's`;
      return `${item.form.questionCount} questions, ${item.direction}: the first frame with the change was ready ${number(item.oursChanged, 1)} ms after the click${item.oursFrames === 1 ? '' : ` (in some run ${item.oursFrames} frames after it)`} ${metOrNot(met)}${why}`;
    }).join('; ')
      + `. Met means that frame's style and layout were done within one 60 Hz frame (${number(FRAME_MS, 1)} ms) of the click, so the change was painted in the very next frame; the "to the frame after" figure adds one frame by construction, so it is over 16.7 ms even then.`,
  });

  const heaps = forms.map((form) => {
    const heapOf = (key) => medianOf(form.name, key, (run) => run.heap.js + run.heap.wasm) / MIB;
    const ours = heapOf('ours');
    const lowest = peers.map((peer) => ({ peer, mb: heapOf(peer.key) })).sort((a, b) => a.mb - b.mb)[0];
    return { form, ours, lowest };
  });
  verdicts.push({
    aim: 'Heap below every peer’s',
    met: heaps.every((item) => item.ours < item.lowest.mb),
    figures: heaps.map((item) => `${item.form.questionCount} questions: ours ${number(item.ours, 1)} MB (JS heap plus WASM memory), lowest peer ${item.lowest.peer.name} ${number(item.lowest.mb, 1)} MB ${metOrNot(item.ours < item.lowest.mb)}`).join('; ') + '.',
  });
  return verdicts;
}

/** The phone profile's aim: its first question against the fastest peer's. */
function phoneVerdict(phone) {
  const medianOf = (key) => median(phone.samples[key].map((run) => run.firstQuestionMs));
  const ours = medianOf('ours');
  const fastest = phone.renderers.filter((renderer) => renderer.key !== 'ours')
    .map((peer) => ({ peer, ms: medianOf(peer.key) })).sort((a, b) => a.ms - b.ms)[0];
  const factor = fastest.ms / ours;
  const met = factor >= AIMS.phoneFirstQuestionFactor;
  const codeArrived = median(phone.samples.ours.map((run) => run.codeArrivedMs));
  const why = met ? '' : `; ${AIMS.phoneFirstQuestionFactor}× would be ${number(fastest.ms / AIMS.phoneFirstQuestionFactor, 0)} ms, and the widget's last script, style or WASM file of its first load had arrived at ${number(codeArrived, 0)} ms`;
  return {
    aim: `Phone profile: first question ≥ ${AIMS.phoneFirstQuestionFactor}× faster than the fastest peer`,
    met,
    figures: `${phone.questionCount} questions: ours (the widget) ${number(ours, 0)} ms, fastest peer ${fastest.peer.name} ${number(fastest.ms, 0)} ms, ${number(factor, 1)}× ${metOrNot(met)}${why}. The floor page (one question in its HTML, no script) showed its question ${number(median(phone.floor), 0)} ms after navigation start under the same throttling.`,
  };
}

function loadNote(load, logicalCpus) {
  const figures = `The 1-minute load average was ${load.before.toFixed(2)} before the run, at most ${load.highest.toFixed(2)} during it and ${load.after.toFixed(2)} after it, on ${logicalCpus} logical CPUs (the benchmark itself keeps about one busy).`;
  const others = Object.entries(load.othersSeen).sort((a, b) => b[1] - a[1]);
  const seen = others.length === 0
    ? `No other build or browser was seen in ${load.samples} samples of the process list.`
    : `Other processes seen in ${load.samples} samples of the process list, outside the benchmark's own: ${others.map(([name, count]) => `${name} (${count})`).join(', ')}.`;
  const busy = others.length > 0 || load.before >= 0.7 || load.highest >= logicalCpus;
  return busy
    ? `${figures} ${seen} Another build or test run was probably sharing the CPU, so the times are likely higher and noisier than on an idle machine; the ratios suffer less, since the renderers ran interleaved under the same conditions.`
    : `${figures} ${seen}`;
}

const METHOD = `Each renderer loads each form in a new browser context (empty cache) of one
headless Chromium, from one local static server that serves our release build
(\`dist/\`, single-page fallback), the peers' pages and packages, and the
generated forms. Ours is the real preview page,
\`/preview?form=/bench-forms/form-N.json\`, which also renders the definition
check and the live form_response beside the form; SurveyJS and Form.io render
the converted form alone on a page that follows their own getting-started
guides. An init script (\`bench/probe.mjs\`) runs in every page before its own
scripts. A question counts as shown when its element (\`[data-question-id]\`,
SurveyJS's \`[data-name]\`, Form.io's \`formio-component-<id>\` wrapper) is in the
document with a height; Form.io keeps an empty wrapper for a hidden question.
"First question" is \`performance.now()\` (from navigation start) in the first
animation frame with a question shown, and "its last script, style or WASM
file arrived" is the latest Resource Timing \`responseEnd\` among the page's
scripts, style sheets and WebAssembly files that had arrived by then. The
toggle is a real Playwright click on the master question's "Yes" (then "No")
label: a capture-phase listener takes
the time of the click, then each animation frame checks whether every
dependent question has changed; when they have, one more frame is awaited and
its time is the figure ("to the frame after"). "Click to first frame showing
it" is the time of the frame that first has the change, before that extra
frame, and "frames" how many frames that took; reading the questions'
heights in that frame makes the browser finish its style and layout then, so
that time includes them. Two floors show what the browser alone costs. The
floor page (\`bench/pages/floor.html\`) has one question in its HTML and no
script, style sheet or form to fetch; it is loaded like the others in every
run. And after its own measurements, each of our runs makes the same toggles
once more by a bare script: a capture-phase listener keeps the click from our
app and sets \`hidden\` on the dependent questions' elements, found
beforehand, so the same elements and styles change with no framework and no
engine in between. The keystroke is one "x" pressed by Playwright in the
first always-shown text question: from the keydown (a capture-phase
listener) to the frame after the one that shows it. The heap is read over the
DevTools protocol after a forced garbage collection, once the form has
rendered and settled for a second: V8's used JavaScript heap plus, for ours,
the WebAssembly memory, which V8 does not count; Blink's heap (the DOM) is
shown apart. Bytes are every HTML, JavaScript, CSS and WebAssembly response
of the load (the form definition, JSON, not counted), raw and after gzip
level 9 computed with zlib. Before any timing, every renderer is checked on
every form: it must show exactly the expected questions after loading, after
"Yes" and after "No", with no page errors, and our definition check must
report no warnings. The order of renderers rotates from run to run.`;

const CHOICES = `Where a conversion had a choice, it took the one that favours the peer:
SurveyJS's stylesheet without web fonts (\`survey-core.fontless.min.css\`; the
default one fetches Open Sans from Google); Form.io's renderer-only bundle
(\`formio.form.min.js\`, no builder), without the Bootstrap stylesheet its
templates expect, and its native \`html5\` select widget instead of the default
Choices.js one. Form.io has no native date input: its text field takes only
text or password, and its \`datetime\` question loads flatpickr from Form.io's
CDN at run time, which this machine cannot reach, so dates are its bundled
\`day\` question (month, day, year). Single checkboxes are SurveyJS \`boolean\`
questions rendered as a checkbox and Form.io \`checkbox\` questions. Conditions
become SurveyJS \`visibleIf\` expressions and Form.io JSON-logic
\`conditional.json\`, with our evaluation ((all AND) or (any OR)) and with
option labels turned into the option values the peers compare.`;

const FORMS = `\`bench/generate.mjs\` generates the forms from a fixed seed: sections of ten
questions of mixed input types (text, textarea, number, email, date, select,
radio, checkbox list, single checkbox), about a quarter of them conditional,
with AND and OR lists using \`=\`, \`is\`, \`is_not_blank\`, \`contains\` and
\`greater_than\` on earlier questions. The first question is a "master" radio
that every condition reads (in the AND list beside conditions that hold on
stored answers, or in the OR list beside conditions that fail on unanswered
questions), so "Yes" shows every dependent question and "No" hides them all.
\`node bench/generate.mjs DIR\` writes the three formats of each form to DIR.`;

export function renderReport({ renderers, forms, samples, floor, runCount, machine, versions, build, load, startedAt, phone }) {
  const verdicts = [...aimVerdicts(forms, renderers, samples, floor, build), ...(phone ? [phoneVerdict(phone)] : [])];
  const phoneForm = phone && { questionCount: phone.questionCount, dependentCount: phone.dependentCount };
  const text = [
    ...forms.map((form) => plainTable(form, renderers, samples[form.name], runCount)),
    ...(phone ? [plainTable(phoneForm, phone.renderers, phone.samples, phone.runCount, () => phoneMeasures(phone), phoneTitle(phone))] : []),
    ...verdicts.map((verdict) => `${verdict.met ? 'MET    ' : 'NOT MET'}  ${verdict.aim}: ${verdict.figures}`),
    loadNote(load, machine.logicalCpus),
  ].join('\n\n');
  const markdown = `# Benchmarks

<!-- Written by \`cargo xtask bench\` (bench/run.mjs); edits here are overwritten. -->

Our app against [SurveyJS](https://surveyjs.io/) and [Form.io](https://form.io/)
on the same generated forms, in headless Chromium. Run it with
\`cargo xtask bench\` (\`INTAKE_BENCH_RUNS=2\` for a quicker, rougher pass).

Run of ${startedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ${runCount} cold runs per renderer and form size.

## Machine and versions

- CPU: ${machine.model}, ${machine.logicalCpus} logical CPUs; ${number(machine.memoryGiB, 0)} GiB memory; ${machine.os}, Linux ${machine.kernel}
- Browser: Chromium ${machine.chromium} (Debian's \`/usr/bin/chromium\`, headless), driven by playwright-core ${versions['playwright-core']} on Node.js ${machine.node}
- Ours: the release build in \`dist/\`, built ${build.builtAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} (the repository was at commit ${build.commit}${build.changed ? ', with uncommitted changes to the app' : ''}): ${build.files.map((file) => `\`${file.path.slice(1)}\` ${number(file.bytes / KIB, file.bytes < 10 * KIB ? 1 : 0)} KB`).join(', ')}
- SurveyJS: survey-core ${versions['survey-core']} and survey-js-ui ${versions['survey-js-ui']}
- Form.io: @formio/js ${versions['@formio/js']}
- Load: ${loadNote(load, machine.logicalCpus)}

## Results

Medians over ${runCount} cold runs, with (min–max); "÷ ours" is the peer's
median divided by ours, so above 1 means we are smaller, faster or lighter by
that factor. Byte counts do not vary between runs.

${forms.map((form) => `### ${form.questionCount} questions, ${form.dependentCount} of them conditional

${markdownTable(form, renderers, samples[form.name])}
`).join('\n')}
${phone ? `### ${phoneTitle(phone)}

What a person meets on a mid-range phone on a mobile network: ours is the
public widget's own build (\`/widget\`, the Unite US configuration, the form
from its form configuration, and the sections the app adds), the peers their
pages as above. The DevTools protocol slows the CPU and the network
(\`Emulation.setCPUThrottlingRate\`, \`Network.emulateNetworkConditions\`), the
server sends gzip (level 6) as a real one would, and "transferred" is what
crossed the network before the first question's page settled, headers
included. The widget's sections of its own (the address, the signature)
show questions the peers do not have.

${markdownTable(phoneForm, phone.renderers, phone.samples, () => phoneMeasures(phone))}

` : ''}Our preview's definition check said, for the generated forms: ${forms.map((form) => `${form.questionCount} questions, “${form.definitionCheck}”`).join('; ')}.

## Aims (issues 8 and 21)

${verdicts.map((verdict) => `- **${verdict.met ? 'Met' : 'Not met'}: ${verdict.aim}.** ${verdict.figures}`).join('\n')}

## Method

${METHOD}

## Forms

${FORMS}

## Choices in the peers' favour

${CHOICES}
`;
  return { text, markdown };
}
