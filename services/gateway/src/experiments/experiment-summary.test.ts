import { labelKind, summarize, type ComparedItem } from './experiment-summary';

const TILES = { goodClass: 'Free', classes: ['Free', 'Crack', 'Blowhole'] };

const item = (o: Partial<ComparedItem>): ComparedItem => ({
  baselineDecision: 'pass',
  baselineTop: 'Free',
  candidateDecision: 'pass',
  candidateTop: 'Free',
  label: null,
  ...o,
});

describe('summarize', () => {
  it('counts agreement and transitions over the items both sides decided, in a fixed order', () => {
    const s = summarize(
      [
        item({
          baselineDecision: 'fail',
          baselineTop: 'Crack',
          candidateDecision: 'review',
          candidateTop: 'Crack',
        }),
        item({ candidateDecision: 'fail', candidateTop: 'Blowhole' }),
        item({ baselineDecision: 'review', candidateDecision: 'fail', candidateTop: 'Blowhole' }),
        item({}),
        item({ candidateDecision: null, candidateTop: null }),
      ],
      TILES,
    );
    expect(s.compared).toBe(4);
    expect(s.agreement).toBe(0.25);
    expect(s.topClassAgreement).toBe(0.5);
    expect(Object.entries(s.transitions)).toEqual([
      ['pass→fail', 1],
      ['review→fail', 1],
      ['fail→review', 1],
    ]);
    expect(s.topClassChanges).toEqual({ 'Free→Blowhole': 2 });
    expect(s.decisions).toEqual({
      baseline: { pass: 2, review: 1, fail: 1 },
      candidate: { pass: 1, review: 1, fail: 2 },
    });
    expect(s.labelled).toMatchObject({ n: 0, defects: 0, good: 0 });
    expect(s.labelled.candidate).toEqual({
      accuracy: null,
      escapeRate: null,
      falseRejectRate: null,
      reviewOrFailRate: null,
    });
  });

  it('scores each side on labelled items: escapes of defects, false rejects and reviews of good ones', () => {
    const s = summarize(
      [
        item({ label: 'Crack', baselineDecision: 'pass', candidateDecision: 'fail', candidateTop: 'Crack' }),
        item({ label: 'Crack', baselineDecision: 'review', candidateDecision: 'pass' }),
        item({ label: 'Free', baselineDecision: 'fail', baselineTop: 'Crack', candidateDecision: 'review' }),
        item({ label: 'Free' }),
      ],
      TILES,
    );
    expect(s.labelled).toEqual({
      n: 4,
      defects: 2,
      good: 2,
      baseline: { accuracy: 0.25, escapeRate: 0.5, falseRejectRate: 0.5, reviewOrFailRate: 0.5 },
      candidate: { accuracy: 0.75, escapeRate: 0.5, falseRejectRate: 0, reviewOrFailRate: 0.5 },
    });
  });

  it('without a good class only accuracy is defined; with nothing compared every share is null', () => {
    const s = summarize([item({ label: 'Crack', candidateTop: 'Crack' })], {
      goodClass: undefined,
      classes: ['Free', 'Crack'],
    });
    expect(s.labelled).toMatchObject({ n: 1, defects: 0, good: 0 });
    expect(s.labelled.candidate.accuracy).toBe(1);
    expect(s.labelled.candidate.escapeRate).toBeNull();
    const empty = summarize([], TILES);
    expect([empty.compared, empty.agreement, empty.topClassAgreement]).toEqual([0, null, null]);
  });

  it('reads pass / fail labels as good / defect, and leaves labels that are no class out of the accuracy', () => {
    expect([labelKind('pass', TILES), labelKind('fail', TILES), labelKind('Free', TILES)]).toEqual([
      'good',
      'defect',
      'good',
    ]);
    expect([labelKind('Crack', TILES), labelKind('scratch', TILES), labelKind(null, TILES)]).toEqual([
      'defect',
      undefined,
      undefined,
    ]);
    const s = summarize(
      [
        item({ label: 'fail', candidateDecision: 'pass' }),
        item({ label: 'pass', baselineDecision: 'fail' }),
        item({ label: 'scratch' }),
      ],
      TILES,
    );
    expect(s.labelled).toMatchObject({ n: 3, defects: 1, good: 1 });
    expect(s.labelled.baseline).toEqual({
      accuracy: null,
      escapeRate: 1,
      falseRejectRate: 1,
      reviewOrFailRate: 1,
    });
    expect(s.labelled.candidate).toEqual({
      accuracy: null,
      escapeRate: 1,
      falseRejectRate: 0,
      reviewOrFailRate: 0,
    });
  });
});
