import type { ModelStatistics__Input, StatisticDuration__Input } from '@defect-gateway/proto';
import { InputError } from '../errors';
import { messages } from '../messages';
import type { ModelManager } from '../models/model-manager';
import type { Servable } from '../models/servable';
import type { Duration } from '../stats/model-stats';

const duration = (d: Duration): StatisticDuration__Input => ({ count: d.count, ns: d.ns.toString() });

/** ModelStatistics for one model (or every loaded model when `name` is empty), one entry per ready version. */
export function modelStatistics(
  manager: ModelManager,
  name: string,
  version: string,
): ModelStatistics__Input[] {
  let servables: Servable[];
  if (name === '') servables = manager.servables();
  else {
    // Triton answers statistics from the model's ready versions, not through the inference lookup.
    servables = manager.servables().filter((s) => s.name === name);
    if (servables.length === 0) throw new InputError(messages.statsModelUnavailable(name));
    if (version !== '') {
      servables = servables.filter((s) => String(s.version) === version);
      if (servables.length === 0) throw new InputError(messages.statsVersionUnavailable(name));
    }
  }
  return servables
    .sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version)
    .map((s) => {
      const st = s.stats;
      return {
        name: s.name,
        version: String(s.version),
        last_inference: st.lastInferenceMs,
        inference_count: st.inferenceCount,
        execution_count: st.executionCount,
        inference_stats: {
          success: duration(st.success),
          fail: duration(st.fail),
          queue: duration(st.queue),
          compute_input: duration(st.computeInput),
          compute_infer: duration(st.computeInfer),
          compute_output: duration(st.computeOutput),
          cache_hit: { count: 0, ns: 0 },
          cache_miss: { count: 0, ns: 0 },
        },
        batch_stats: [...st.batches.values()]
          .sort((a, b) => a.batchSize - b.batchSize)
          .map((b) => ({
            batch_size: b.batchSize,
            compute_input: duration(b.computeInput),
            compute_infer: duration(b.computeInfer),
            compute_output: duration(b.computeOutput),
          })),
        memory_usage: [],
      };
    });
}
