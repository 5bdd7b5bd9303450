export { ExperimentService, type ExperimentView, type ReplayDecider } from './experiment-service';
export { ExperimentStore } from './experiment-store';
export { experimentRoutes } from './experiment-routes';
export { summarize, type ExperimentSummary } from './experiment-summary';
export { AbSplits, inCandidateShare, type AbSummary } from './ab-routing';
