import type { SeverityRules } from '../routing/contract-types';
import { severityOf } from './severity';

const rules: SeverityRules = {
  perClass: { scratch: 'minor', crack: 'critical' },
  defaultLevel: 'major',
  escalateIfProbabilityAtLeast: 0.9,
  escalateIfAreaFractionAtLeast: 0.05,
  criticalIfDefectProbabilityAtLeast: 0.99,
};
const facts = { confidence: 0.5, defectProbability: 0.6 };

describe('severityOf', () => {
  it('starts from the per-class level, else the default level', () => {
    expect(severityOf(rules, { ...facts, className: 'scratch' })).toBe('minor');
    expect(severityOf(rules, { ...facts, className: 'dent' })).toBe('major');
    expect(severityOf({ perClass: {}, defaultLevel: 'minor' }, { ...facts, className: 'dent' })).toBe(
      'minor',
    );
  });

  it('adds one level per escalation that applies, capped at critical', () => {
    expect(severityOf(rules, { ...facts, className: 'scratch', confidence: 0.9 })).toBe('major');
    expect(severityOf(rules, { ...facts, className: 'scratch', areaFraction: 0.05 })).toBe('major');
    expect(severityOf(rules, { ...facts, className: 'scratch', confidence: 0.95, areaFraction: 0.2 })).toBe(
      'critical',
    );
    expect(severityOf(rules, { ...facts, className: 'crack', confidence: 0.95 })).toBe('critical');
    expect(severityOf(rules, { ...facts, className: 'scratch', areaFraction: 0.049 })).toBe('minor');
  });

  it('is critical at the critical defect-probability rule', () => {
    expect(severityOf(rules, { ...facts, className: 'scratch', defectProbability: 0.99 })).toBe('critical');
  });
});
