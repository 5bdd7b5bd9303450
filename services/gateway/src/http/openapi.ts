/**
 * The HTTP API as an OpenAPI 3.1 document, served at `GET /openapi.json` (no key needed): every route the gateway
 * mounts, its roles, parameters and the shape of its main request body. The end-to-end test calls every operation
 * listed here against a running gateway, so a path or method listed but not served fails it.
 */

type Schema = Record<string, unknown>;
type Param = {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description: string;
  schema?: Schema;
};

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const path = (name: string, description: string): Param => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: str,
});
const query = (name: string, description: string, schema: Schema = str): Param => ({
  name,
  in: 'query',
  description,
  schema,
});
const page = (max: number): Param[] => [
  query('cursor', 'nextCursor of the previous page'),
  query('limit', `page size, 1 to ${max}`, int),
];
const window: Param[] = [
  query('from', 'ISO 8601 timestamp, inclusive'),
  query('to', 'ISO 8601 timestamp, exclusive'),
];
const idempotencyKey = (what: string, answer: string): Param => ({
  name: 'Idempotency-Key',
  in: 'header',
  description:
    `one per attempted ${what} (1 to 255 visible ASCII characters, e.g. a UUID): a repeated request with the ` +
    `same key gets ${answer} (header \`Idempotent-Replayed: true\`) instead of a second ${what}`,
  schema: { type: 'string', pattern: '^[!-~]{1,255}$' },
});
const reason = {
  type: 'object',
  required: ['reason'],
  properties: { reason: { type: 'string', minLength: 3 } },
};

interface Operation {
  summary: string;
  roles: string[];
  parameters?: Param[];
  body?: { contentType: string; schema: Schema }[];
  responses: Record<string, string>;
}

const errors = {
  '400': 'bad input: `{error: {code, message, id, details}}`',
  '401': 'no or unknown API key',
  '403': 'the key’s role may not do this',
};

const OPERATIONS: Record<string, Record<string, Operation>> = {
  '/v1/inspections': {
    post: {
      summary:
        'Inspect one image (multipart `image`, or a raw image/* body) or one set of electrical measurements (JSON)',
      roles: ['station'],
      parameters: [
        query('modality', 'visual | thermal | electrical (raw bodies: query or x-modality)'),
        query('stationId', 'station (raw bodies: query or x-station-id)'),
        query('heatmap', 'true: return the localization heatmap as a PNG (raw bodies: query or x-heatmap)'),
        idempotencyKey('inspection', 'the decision recorded for the first one'),
      ],
      body: [
        {
          contentType: 'multipart/form-data',
          schema: {
            type: 'object',
            required: ['image', 'modality', 'stationId'],
            properties: {
              image: { type: 'string', format: 'binary' },
              modality: str,
              stationId: str,
              lotId: str,
              partId: str,
              model: str,
              version: str,
              heatmap: { enum: ['true', 'false'] },
            },
          },
        },
        { contentType: 'image/jpeg', schema: { type: 'string', format: 'binary' } },
        {
          contentType: 'application/json',
          schema: {
            type: 'object',
            required: ['modality', 'stationId', 'measurements'],
            properties: {
              modality: { const: 'electrical' },
              stationId: str,
              lotId: str,
              partId: str,
              measurements: {
                description: 'array of numbers (null or NaN for missing) or an object of named values',
                oneOf: [{ type: 'array' }, { type: 'object' }],
              },
            },
          },
        },
      ],
      responses: {
        '200':
          'the decision: decision, defects, scores, model, timings, inspectionId, requestId ' +
          '(`Idempotent-Replayed: true` when it is the recorded answer to an earlier request with the same key)',
        ...errors,
        '404': 'unknown model or version',
        '413': 'too large, or a decompression bomb',
        '415': 'not an accepted image or content type',
        '422':
          'undecodable image, or unusable (blank, far too small); `idempotency_key_reused`: the key was first ' +
          'used for another input, station, lot or part',
        '429': 'queue full or rate limit (Retry-After)',
        '503': 'inference server down or the decision could not be recorded (Retry-After)',
        '504': 'deadline passed',
      },
    },
    get: {
      summary: 'Recorded inspections, newest first',
      roles: ['station', 'mlops', 'auditor'],
      parameters: [
        query('station', 'station id'),
        query('lot', 'lot id'),
        query('part', 'part (serial) id: every decision on that part'),
        query('model', 'model name'),
        query('decision', 'pass, review, fail or a comma-separated list'),
        ...window,
        ...page(1000),
        query('format', 'json (default) or csv (every match, streamed)'),
      ],
      responses: { '200': '{items, nextCursor}, or CSV', ...errors },
    },
  },
  '/v1/inspections/{id}': {
    get: {
      summary: 'One recorded inspection',
      roles: ['station', 'mlops', 'auditor'],
      parameters: [path('id', 'inspection id (UUID)')],
      responses: { '200': 'the inspection record', ...errors, '404': 'unknown inspection' },
    },
  },
  '/v1/inspections/{id}/input': {
    get: {
      summary: 'The exact bytes inspected (image, or measurements as JSON), with x-input-sha256',
      roles: ['station', 'mlops', 'auditor'],
      parameters: [path('id', 'inspection id (UUID)')],
      responses: { '200': 'the stored bytes', ...errors, '404': 'unknown inspection or no stored input' },
    },
  },
  '/v1/inspections/{id}/feedback': {
    post: {
      summary: 'A person’s label for an inspection (one of its classes, or pass / fail)',
      roles: ['station', 'mlops', 'auditor'],
      parameters: [
        path('id', 'inspection id (UUID)'),
        idempotencyKey('label', 'the label recorded for the first one'),
      ],
      body: [
        {
          contentType: 'application/json',
          schema: { type: 'object', required: ['label', 'reason'], properties: { label: str, reason: str } },
        },
      ],
      responses: {
        '201':
          'the recorded feedback (`Idempotent-Replayed: true`: recorded for an earlier request with the same key)',
        ...errors,
        '404': 'unknown inspection',
        '422': '`idempotency_key_reused`: the key was first used for another inspection, label or reason',
      },
    },
  },
  '/v1/reviews': {
    get: {
      summary: 'The review queue: review (or fail) decisions nobody has labelled yet, oldest first',
      roles: ['station', 'mlops', 'auditor'],
      parameters: [
        query('station', 'station id'),
        query('lot', 'lot id'),
        query('part', 'part (serial) id: every decision on that part'),
        query('model', 'model name'),
        query('decision', 'review (default), fail or review,fail'),
        ...window,
        ...page(500),
      ],
      responses: { '200': '{open, items, nextCursor}', ...errors },
    },
  },
  '/v1/lots/{id}': {
    get: {
      summary:
        'A lot’s summary: decisions, pass rate, defect classes, stations, versions, labels, open reviews',
      roles: ['station', 'mlops', 'auditor'],
      parameters: [path('id', 'lot id'), ...window],
      responses: { '200': 'the summary', ...errors, '404': 'no inspections for the lot' },
    },
  },
  '/v1/stations/{id}': {
    get: {
      summary: 'A station’s summary, by lot',
      roles: ['station', 'mlops', 'auditor'],
      parameters: [path('id', 'station id'), ...window],
      responses: { '200': 'the summary', ...errors, '404': 'no inspections for the station' },
    },
  },
  '/v1/jobs': {
    post: {
      summary: 'Submit a batch job: multipart `images` files, or JSON objectKeys of stored images',
      roles: ['station'],
      parameters: [idempotencyKey('job', 'the job created for the first one')],
      body: [
        {
          contentType: 'multipart/form-data',
          schema: {
            type: 'object',
            required: ['images', 'modality', 'stationId'],
            properties: {
              images: { type: 'array', items: { type: 'string', format: 'binary' } },
              modality: str,
              stationId: str,
              lotId: str,
            },
          },
        },
        {
          contentType: 'application/json',
          schema: {
            type: 'object',
            required: ['modality', 'stationId', 'objectKeys'],
            properties: {
              modality: str,
              stationId: str,
              lotId: str,
              objectKeys: { type: 'array', items: str },
            },
          },
        },
      ],
      responses: {
        '202':
          '{jobId, total} (`Idempotent-Replayed: true`: the job created for an earlier request with the same key)',
        ...errors,
        '422':
          '`idempotency_key_reused`: the key was first used for another job (other options, images or order)',
      },
    },
  },
  '/v1/jobs/{id}': {
    get: {
      summary: 'Job status, progress, decision counts, timings',
      roles: ['station', 'auditor'],
      parameters: [path('id', 'job id (UUID)')],
      responses: { '200': 'the job', ...errors, '404': 'unknown job' },
    },
    delete: {
      summary: 'Cancel a job (pending items are skipped)',
      roles: ['station'],
      parameters: [path('id', 'job id (UUID)'), query('reason', 'why')],
      responses: { '200': 'the cancelled job', ...errors, '404': 'unknown job', '409': 'already finished' },
    },
  },
  '/v1/jobs/{id}/results': {
    get: {
      summary: 'Job items with their decisions, by item index',
      roles: ['station', 'auditor'],
      parameters: [
        path('id', 'job id (UUID)'),
        query('decision', 'pass, review, fail or a comma-separated list'),
        query('status', 'item status: queued, running, succeeded, failed, cancelled'),
        ...page(1000),
      ],
      responses: { '200': '{jobId, items, nextCursor}', ...errors, '404': 'unknown job' },
    },
  },
  '/v1/models': {
    get: {
      summary: 'The repository: models, versions, states, routes',
      roles: ['mlops', 'auditor'],
      responses: { '200': '{models}', ...errors },
    },
  },
  '/v1/models/{name}': {
    get: {
      summary: 'A model’s versions and contract summary',
      roles: ['mlops', 'auditor'],
      parameters: [path('name', 'model name'), query('version', 'version')],
      responses: { '200': 'the model', ...errors, '404': 'unknown model' },
    },
  },
  '/v1/models/{name}/stats': {
    get: {
      summary: 'Inference server statistics',
      roles: ['mlops', 'auditor'],
      parameters: [path('name', 'model name')],
      responses: { '200': '{statistics}', ...errors, '404': 'unknown model' },
    },
  },
  '/v1/models/{name}/compare': {
    get: {
      summary: 'Contract differences between two versions',
      roles: ['mlops', 'auditor'],
      parameters: [path('name', 'model name'), query('a', 'version'), query('b', 'version')],
      responses: { '200': '{differences}', ...errors, '404': 'unknown model or version' },
    },
  },
  '/v1/models/{name}/drift': {
    get: {
      summary: 'Drift of recent decisions against the config’s reference (PSI per signal)',
      roles: ['mlops', 'auditor'],
      parameters: [path('name', 'model name')],
      responses: { '200': 'the drift report', ...errors, '404': 'unknown model' },
    },
  },
  '/v1/models/{name}/accuracy': {
    get: {
      summary: 'Field accuracy per version against people’s labels',
      roles: ['mlops', 'auditor'],
      parameters: [path('name', 'model name'), ...window],
      responses: { '200': '{versions}', ...errors, '404': 'unknown model' },
    },
  },
  '/v1/models/{name}/load': {
    post: {
      summary: 'Load a model (recorded with its reason)',
      roles: ['mlops'],
      parameters: [path('name', 'model name')],
      body: [
        {
          contentType: 'application/json',
          schema: { ...reason, properties: { ...reason.properties, config: { type: 'object' } } },
        },
      ],
      responses: { '200': 'the model', ...errors, '404': 'unknown model' },
    },
  },
  '/v1/models/{name}/unload': {
    post: {
      summary: 'Unload a model (recorded with its reason)',
      roles: ['mlops'],
      parameters: [path('name', 'model name')],
      body: [{ contentType: 'application/json', schema: reason }],
      responses: { '200': 'the model', ...errors, '404': 'unknown model' },
    },
  },
  '/v1/models/{name}/pin': {
    post: {
      summary: 'Pin the version requests get by default (a rollback is a pin to an earlier version)',
      roles: ['mlops'],
      parameters: [path('name', 'model name')],
      body: [
        {
          contentType: 'application/json',
          schema: {
            ...reason,
            required: ['version', 'reason'],
            properties: { ...reason.properties, version: { type: ['string', 'integer'] } },
          },
        },
      ],
      responses: { '200': 'the pin', ...errors, '404': 'unknown model or version' },
    },
  },
  '/v1/models/{name}/unpin': {
    post: {
      summary: 'Remove the pin',
      roles: ['mlops'],
      parameters: [path('name', 'model name')],
      body: [{ contentType: 'application/json', schema: reason }],
      responses: { '200': 'done', ...errors, '404': 'no pin' },
    },
  },
  '/v1/experiments': {
    post: {
      summary:
        'Replay a candidate version on recorded inspections and compare it with their decisions; with `split`, ' +
        'an A/B experiment: live requests that name no version are split by station or lot until it is stopped',
      roles: ['mlops'],
      parameters: [idempotencyKey('experiment', 'the experiment started for the first one')],
      body: [
        {
          contentType: 'application/json',
          schema: {
            type: 'object',
            required: ['model', 'candidateVersion', 'reason'],
            properties: {
              model: str,
              candidateVersion: { type: ['string', 'integer'] },
              baselineVersion: { type: ['string', 'integer'] },
              stationId: str,
              lotId: str,
              from: str,
              to: str,
              limit: { type: 'integer', minimum: 1, maximum: 5000 },
              split: {
                type: 'object',
                required: ['by', 'fraction'],
                properties: {
                  by: { enum: ['station', 'lot'] },
                  fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
                },
              },
              reason: str,
            },
          },
        },
      ],
      responses: {
        '202':
          '{experimentId, total} (`Idempotent-Replayed: true`: started for an earlier request with the same key)',
        ...errors,
        '404': 'unknown model or version',
        '409': 'the model already has a running A/B experiment',
        '422': '`idempotency_key_reused`: the key was first used for another experiment',
      },
    },
    get: {
      summary: 'Recent experiments',
      roles: ['mlops', 'auditor'],
      parameters: [query('limit', 'how many, 1 to 200', int)],
      responses: { '200': '{experiments}', ...errors },
    },
  },
  '/v1/experiments/{id}': {
    get: {
      summary: 'Progress and, when done, the summary',
      roles: ['mlops', 'auditor'],
      parameters: [path('id', 'experiment id (UUID)')],
      responses: { '200': 'the experiment', ...errors, '404': 'unknown experiment' },
    },
    delete: {
      summary: 'Cancel a replay, or stop an A/B experiment (from any gateway), keeping its summary',
      roles: ['mlops'],
      parameters: [path('id', 'experiment id (UUID)'), query('reason', 'why')],
      responses: { '200': 'the experiment', ...errors, '404': 'unknown experiment', '409': 'already ended' },
    },
  },
  '/v1/experiments/{id}/items': {
    get: {
      summary: 'Items with both decisions',
      roles: ['mlops', 'auditor'],
      parameters: [
        path('id', 'experiment id (UUID)'),
        query('disagreements', 'true: only items decided differently'),
        ...page(1000),
      ],
      responses: { '200': '{items, nextCursor}', ...errors, '404': 'unknown experiment' },
    },
  },
  '/v1/audit': {
    get: {
      summary: 'The audit trail, filtered (format=csv streams the export)',
      roles: ['auditor'],
      parameters: [
        ...window,
        ...['lot', 'part', 'station', 'model', 'actor', 'action', 'entityType', 'entityId'].map((n) =>
          query(n, `${n} equals`),
        ),
        query('order', 'asc (default) or desc'),
        query('format', 'json (default) or csv'),
        ...page(1000),
      ],
      responses: { '200': '{entries, nextCursor} or CSV', ...errors },
    },
  },
  '/v1/audit/verify': {
    get: {
      summary: 'Walk the hash chain and checkpoints; report the first broken link',
      roles: ['auditor'],
      responses: { '200': '{ok, rowsChecked, firstBreak, …}', ...errors },
    },
  },
  '/v1/events': {
    get: {
      summary: 'The event outbox by topic, key and status',
      roles: ['auditor', 'mlops'],
      parameters: [
        query('topic', 'event topic'),
        query('key', 'event key (station or lot)'),
        query('status', 'all (default), pending or published'),
        query('after', 'nextCursor of the previous page'),
        query('limit', 'page size, 1 to 1000', int),
      ],
      responses: { '200': '{events}', ...errors },
    },
  },
  '/healthz': { get: { summary: 'The process is up', roles: [], responses: { '200': 'ok' } } },
  '/readyz': {
    get: {
      summary: 'The inference server and every routed model are ready',
      roles: [],
      responses: { '200': 'ready', '503': 'not ready, with what is missing' },
    },
  },
  '/metrics': {
    get: { summary: 'Prometheus metrics', roles: [], responses: { '200': 'text exposition format' } },
  },
  '/openapi.json': { get: { summary: 'This document', roles: [], responses: { '200': 'OpenAPI 3.1' } } },
};

/** The document. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [p, methods] of Object.entries(OPERATIONS)) {
    paths[p] = {};
    for (const [method, op] of Object.entries(methods)) {
      paths[p][method] = {
        summary: op.summary,
        ...(op.roles.length > 0
          ? { description: `Roles: ${op.roles.join(', ')} (and admin).`, security: [{ apiKey: [] }] }
          : { security: [] }),
        ...(op.parameters ? { parameters: op.parameters } : {}),
        ...(op.body
          ? {
              requestBody: {
                required: true,
                content: Object.fromEntries(op.body.map((b) => [b.contentType, { schema: b.schema }])),
              },
            }
          : {}),
        responses: Object.fromEntries(
          Object.entries(op.responses).map(([code, d]) => [code, { description: d }]),
        ),
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Defect-inspection inference gateway',
      version: 'v1',
      description:
        'Stations send an image or measurements and get pass / review / fail; batch jobs, model management, ' +
        'experiments, field accuracy, review queue and an append-only audit trail. Errors are ' +
        '`{error: {code, message, id, details}}`.',
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'API_KEYS entry (name:role:key)' },
      },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}
