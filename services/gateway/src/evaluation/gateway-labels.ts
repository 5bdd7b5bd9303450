/**
 * Which classes are defects, for an evaluation through the gateway. The gateway's response names the model,
 * its version and every class score, but not which class is the good one; that comes from the model's
 * contract, read from Triton (`--triton`, else the endpoints the gateway's `/readyz` lists — the embedded
 * model-server of `npm start` is one), or from `--good-class` (every other class is then a defect class).
 */
import type { ModelContract } from '../routing';
import { TritonClient } from '../triton';
import type { LabelSpace } from './class-mapping';
import { readContract } from './direct-evaluator';
import { errorMessage } from './prediction';

export interface LabelLookup {
  gatewayUrl: string;
  model: string;
  version: string;
  /** The class names in the gateway's `scores`, in response order. */
  classes: string[];
  goodClass?: string;
  triton?: string;
}

export interface ResolvedLabels {
  labels: LabelSpace;
  source: string;
  contract?: ModelContract;
}

export async function resolveGatewayLabels(lookup: LabelLookup): Promise<ResolvedLabels> {
  if (lookup.goodClass !== undefined) {
    if (!lookup.classes.includes(lookup.goodClass)) {
      throw new Error(
        `--good-class '${lookup.goodClass}' is not a class of ${lookup.model}: ${lookup.classes.join(', ')}`,
      );
    }
    return {
      labels: {
        classes: lookup.classes,
        goodClass: lookup.goodClass,
        defectClasses: lookup.classes.filter((c) => c !== lookup.goodClass),
      },
      source: '--good-class (every other class is a defect class)',
    };
  }
  const addresses = lookup.triton !== undefined ? [lookup.triton] : await readyzEndpoints(lookup.gatewayUrl);
  const problems: string[] = [];
  for (const address of addresses) {
    const client = new TritonClient({
      endpoints: [address],
      connectTimeoutMs: 5_000,
      defaultTimeoutMs: 10_000,
    });
    try {
      await client.connect();
      const contract = await readContract(client, lookup.model, lookup.version);
      const labels: LabelSpace = { classes: contract.classes, defectClasses: contract.defectClasses };
      if (contract.goodClass !== undefined) labels.goodClass = contract.goodClass;
      return { labels, source: `the model contract read from Triton at ${address}`, contract };
    } catch (err) {
      problems.push(`${address}: ${errorMessage(err)}`);
    } finally {
      await client.close();
    }
  }
  const tried = problems.length === 0 ? 'the gateway listed no Triton endpoint' : problems.join('; ');
  throw new Error(
    `cannot read the contract of ${lookup.model} version ${lookup.version} (${tried}); ` +
      'pass --triton host:port, or --good-class NAME',
  );
}

async function readyzEndpoints(gatewayUrl: string): Promise<string[]> {
  try {
    const response = await fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { endpoints?: Array<{ address?: unknown }> };
    return (body.endpoints ?? []).flatMap((e) => (typeof e.address === 'string' ? [e.address] : []));
  } catch {
    return [];
  }
}
