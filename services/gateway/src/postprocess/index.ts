// Public API of postprocess/: pure functions from one item's model outputs and the model contract to the
// decision (pass / review / fail), calibrated scores, defects with severity and region. Rule:
// docs/model-contract.md.
export { bandDecision, decideInspection } from './decide-inspection';
export type {
  AdjustmentReason,
  Decision,
  DecisionAdjustment,
  DefectReport,
  InspectionOutcome,
  ItemOutputs,
  Region,
  SourceImageSize,
  Values,
} from './decision-types';
export { itemOutputs, requestedOutputs, type OutputTensors } from './item-outputs';
export { cellsToSourceRegion, findHotCells, type HotCells } from './localization';
export {
  classProbabilities,
  defectProbability,
  memberDefectProbabilities,
  softmaxWithTemperature,
} from './probabilities';
export { severityOf, type SeverityFacts } from './severity';
