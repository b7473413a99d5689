// The "Train in the browser" panel of the web demo: a character model learns the text in the
// textarea, live. The training runs in web/train-worker.js (a module Worker with its own wasm
// runtime, the training build); this side shows what it reports: the loss of every step as a
// curve (inline SVG), the characters per second of training time, and a sample generated every
// few steps from the same sampling seed, so that the samples change only because the model does.
// Train continues the current model when the text is unchanged and starts a new one otherwise;
// Stop pauses. The worker is created on the first Train, so a page that never trains never loads
// the training build. ?seed=N (default 1) seeds the weights, the windows and the sampler.
// window.trainStatus mirrors what the panel shows, for test/runtimes/train-demo.test.ts.

const $ = (id) => document.getElementById(id);
const SVG_NS = 'http://www.w3.org/2000/svg';
const SAMPLES_SHOWN = 6;
const MIN_STEPS_SHOWN = 200; // the x axis spans at least this many steps, so the curve grows rightwards

const status = (window.trainStatus = {
  state: 'idle', // idle | loading | training | stopped | error
  build: '',
  vocabSize: 0,
  uniformLoss: 0, // ln(vocab): the loss of guessing every character equally likely
  step: 0,
  losses: [], // the loss of step i + 1 at index i
  samples: [], // { step, text }, in order
  charsPerSecond: 0,
  error: '',
});
const seed = Number(new URLSearchParams(location.search).get('seed') ?? 1) >>> 0 || 1;

let worker;
let redrawPending = false;

function setState(state, message) {
  status.state = state;
  $('train-state').textContent = message;
  $('train-start').disabled = state === 'loading' || state === 'training';
  $('train-stop').disabled = !(state === 'loading' || state === 'training');
}

function fail(message) {
  status.error = message;
  setState('error', `error: ${message}`);
}

function scheduleRedraw() {
  if (redrawPending) return;
  redrawPending = true;
  requestAnimationFrame(() => {
    redrawPending = false;
    drawCurve();
    $('train-step').textContent = String(status.step);
    const last = status.losses[status.losses.length - 1];
    $('train-loss').textContent = last === undefined ? '–' : last.toFixed(3);
    $('train-cps').textContent = status.charsPerSecond ? Math.round(status.charsPerSecond).toLocaleString('en') : '–';
  });
}

/** The loss curve: one polyline point per step, 0 at the bottom, the dashed ln(vocab) line for reference. */
function drawCurve() {
  const svg = $('train-curve');
  const [, , W, H] = svg.getAttribute('viewBox').split(' ').map(Number);
  const left = 40, right = 10, top = 10, bottom = 22;
  const losses = status.losses;
  const yMax = Math.max(status.uniformLoss, ...losses.slice(0, 50), 1e-3) * 1.08;
  const steps = Math.max(MIN_STEPS_SHOWN, losses.length);
  const x = (i) => left + (i / (steps - 1)) * (W - left - right);
  const y = (v) => top + (1 - Math.min(v, yMax) / yMax) * (H - top - bottom);
  const points = new Array(losses.length);
  for (let i = 0; i < losses.length; i++) points[i] = `${x(i).toFixed(1)},${y(losses[i]).toFixed(1)}`;
  $('train-line').setAttribute('points', points.join(' '));
  const uniform = $('train-uniform');
  uniform.setAttribute('x1', String(left));
  uniform.setAttribute('x2', String(W - right));
  uniform.setAttribute('y1', String(y(status.uniformLoss)));
  uniform.setAttribute('y2', String(y(status.uniformLoss)));
  uniform.setAttribute('visibility', status.uniformLoss ? 'visible' : 'hidden');
  $('train-axis').setAttribute('d', `M${left},${top} V${H - bottom} H${W - right}`);
  setText('train-ymax', left - 4, top + 4, yMax.toFixed(2));
  setText('train-y0', left - 4, H - bottom, '0');
  setText('train-xmax', W - right, H - 6, `step ${steps}`);
}

function setText(id, x, y, text) {
  const el = $(id);
  el.setAttribute('x', String(x));
  el.setAttribute('y', String(y));
  el.textContent = text;
}

function addSample(step, text) {
  status.samples.push({ step, text });
  const li = document.createElement('li');
  const label = document.createElement('span');
  label.className = 'step';
  label.textContent = `step ${step}`;
  const body = document.createElement('pre');
  body.textContent = text;
  li.append(label, body);
  const list = $('train-samples');
  list.prepend(li);
  while (list.children.length > SAMPLES_SHOWN) list.lastElementChild.remove();
}

function onMessage({ data }) {
  switch (data.type) {
    case 'started': {
      if (data.fresh) {
        status.losses = [];
        status.samples = [];
        status.step = 0;
        status.charsPerSecond = 0;
        $('train-samples').replaceChildren();
      }
      status.build = data.build;
      status.vocabSize = data.vocabSize;
      status.uniformLoss = Math.log(data.vocabSize);
      const c = data.config;
      $('train-model').textContent =
        `Embedding(${data.vocabSize}, ${c.embed}) → LSTM(${c.embed}, ${c.hidden}) → Linear(${c.hidden}, ${data.vocabSize}); ` +
        `${c.batch} × ${c.seq} characters a step, Adam lr ${c.lr}, clip norm ${c.clipNorm}; wasm ${data.build} training build`;
      setState('training', `training on ${data.chars.toLocaleString('en')} characters (${data.vocabSize} distinct); a sample every ${c.sampleEvery} steps`);
      scheduleRedraw();
      break;
    }
    case 'progress':
      for (const [step, loss] of data.losses) {
        status.losses[step - 1] = loss;
        status.step = step;
      }
      status.charsPerSecond = data.charsPerSecond;
      scheduleRedraw();
      break;
    case 'sample':
      addSample(data.step, data.text);
      break;
    case 'stopped':
      setState('stopped', `${data.reason} at step ${status.step}; Train continues, editing the text starts over`);
      break;
    case 'error':
      fail(data.message);
      break;
  }
}

function startTraining() {
  if (!worker) {
    worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = onMessage;
    worker.onerror = (e) => fail(e.message || 'the training worker failed to start');
  }
  status.error = '';
  setState('loading', status.build ? 'starting…' : 'loading the training build…');
  worker.postMessage({ type: 'train', text: $('train-text').value, seed });
}

$('train-start').addEventListener('click', startTraining);
$('train-stop').addEventListener('click', () => worker?.postMessage({ type: 'stop' }));
setState('idle', 'press Train: the model starts from random weights');
drawCurve();
