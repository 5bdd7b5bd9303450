/**
 * The end-to-end evaluation path: every dataset item goes through `POST /v1/inspections` of a running gateway,
 * exactly as a station sends it (multipart image, or JSON measurements). Back-pressure answers (429, 503)
 * are retried after their Retry-After a few times; any other non-200 answer is a failure of that item,
 * recorded with its status and error body.
 */
import type { Decision } from '../postprocess';
import { readImage, type DatasetItem } from './dataset';
import { measurementPayload, type FeaturePlan } from './measurement-payload';
import { errorMessage, type ItemFailure, type Prediction, type PredictionRun } from './prediction';
import { runPool } from './work-pool';

export interface GatewayTarget {
  /** Base URL, e.g. http://localhost:8080 */
  url: string;
  apiKey?: string;
  modality: string;
  /** Overrides the gateway's route for the modality. */
  model?: string;
  stationId: string;
  timeoutMs: number;
}

export interface GatewayRunOptions extends GatewayTarget {
  items: readonly DatasetItem[];
  featureNames?: readonly string[];
  featurePlan: FeaturePlan;
  concurrency: number;
  onProgress?: (done: number, count: number) => void;
}

export interface GatewayPrediction extends Prediction {
  model: string;
}

export interface GatewayRun extends PredictionRun {
  predictions: GatewayPrediction[];
  /** Answers of 429 / 503 that were retried. */
  retries: number;
}

type Answer = { ok: true; prediction: GatewayPrediction } | { ok: false; failure: ItemFailure };

const RETRYABLE = new Set([429, 503]);
const MAX_RETRIES = 5;
const DECISIONS: readonly Decision[] = ['pass', 'review', 'fail'];

export async function predictViaGateway(options: GatewayRunOptions): Promise<GatewayRun> {
  const predictions: (GatewayPrediction | undefined)[] = new Array<GatewayPrediction | undefined>(
    options.items.length,
  );
  const failures: ItemFailure[] = [];
  let retries = 0;
  const started = performance.now();
  await runPool(
    options.items.length,
    options.concurrency,
    async (i) => {
      const item = options.items[i];
      if (item === undefined) return;
      const answer = await inspectItem(options, item, () => retries++);
      if (answer.ok) predictions[i] = answer.prediction;
      else failures.push(answer.failure);
    },
    options.onProgress,
  );
  return {
    predictions: predictions.filter((p): p is GatewayPrediction => p !== undefined),
    failures: failures.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    retries,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Sends one item (retrying back-pressure answers) and reads the decision out of the response. */
export async function inspectItem(
  options: GatewayTarget & { featureNames?: readonly string[]; featurePlan: FeaturePlan },
  item: DatasetItem,
  onRetry: () => void = () => undefined,
): Promise<Answer> {
  const fail = (message: string, status?: number, code?: string): Answer => {
    const failure: ItemFailure = { id: item.id, trueClass: item.class, message };
    if (status !== undefined) failure.status = status;
    if (code !== undefined) failure.code = code;
    return { ok: false, failure };
  };
  let response: Response;
  let text: string;
  try {
    for (let attempt = 0; ; attempt++) {
      const { body, contentType } = await requestBody(options, item);
      const headers: Record<string, string> =
        contentType === undefined ? {} : { 'content-type': contentType };
      if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
      response = await fetch(`${options.url}/v1/inspections`, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
      if (!RETRYABLE.has(response.status) || attempt >= MAX_RETRIES) break;
      onRetry();
      const after = Number(response.headers.get('retry-after') ?? '1');
      await sleep(Math.min(10, Number.isFinite(after) && after > 0 ? after : 1) * 1000);
    }
  } catch (err) {
    return fail(`request failed: ${errorMessage(err)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(`status ${response.status}, not JSON: ${text.slice(0, 200)}`, response.status);
  }
  if (response.status !== 200) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200);
    return fail(message, response.status, typeof error?.code === 'string' ? error.code : undefined);
  }
  const parsed = readInspection(body);
  if (typeof parsed === 'string') return fail(`malformed 200 response: ${parsed}`, response.status);
  return { ok: true, prediction: { id: item.id, trueClass: item.class, ...parsed } };
}

async function requestBody(
  options: GatewayTarget & { featureNames?: readonly string[]; featurePlan: FeaturePlan },
  item: DatasetItem,
): Promise<{ body: FormData | string; contentType?: string }> {
  const fields: Record<string, string> = { modality: options.modality, stationId: options.stationId };
  if (options.model !== undefined) fields.model = options.model;
  if (item.kind === 'measurements') {
    const measurements = measurementPayload(item.values, options.featureNames ?? [], options.featurePlan);
    return { body: JSON.stringify({ ...fields, measurements }), contentType: 'application/json' };
  }
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('image', new Blob([await readImage(item)]), item.id.split('/').at(-1) ?? 'image');
  return { body: form }; // fetch sets the multipart content type with its boundary
}

/** The fields the evaluation needs from a 200 body, or a string saying what is wrong with it. */
function readInspection(body: unknown): Omit<GatewayPrediction, 'id' | 'trueClass'> | string {
  if (typeof body !== 'object' || body === null) return 'not an object';
  const b = body as { decision?: unknown; scores?: unknown; model?: { name?: unknown; version?: unknown } };
  const decision = DECISIONS.find((d) => d === b.decision);
  if (decision === undefined) return `decision ${JSON.stringify(b.decision)}`;
  if (typeof b.scores !== 'object' || b.scores === null) return 'no scores';
  const scores: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.scores)) {
    if (typeof v !== 'number') return `score of '${k}' is not a number`;
    scores[k] = v;
  }
  if (typeof b.model?.name !== 'string' || typeof b.model.version !== 'string')
    return 'no model name/version';
  return { decision, scores, model: b.model.name, version: b.model.version };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
