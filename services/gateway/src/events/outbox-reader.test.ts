import { isGatewayError } from '../domain/errors';
import { parseOutboxPageQuery } from './outbox-reader';

describe('parseOutboxPageQuery', () => {
  it('applies defaults and coerces query-string numbers', () => {
    expect(parseOutboxPageQuery({})).toEqual({ limit: 100, status: 'all' });
    expect(
      parseOutboxPageQuery({ after: '42', limit: '5', status: 'pending', topic: 'job.completed' }),
    ).toEqual({
      after: '42',
      limit: 5,
      status: 'pending',
      topic: 'job.completed',
    });
  });

  it('reports every bad parameter at once as a 400-class input error', () => {
    let caught: unknown;
    try {
      parseOutboxPageQuery({ after: 'abc', limit: '0', status: 'done', topic: 'nope' });
    } catch (err) {
      caught = err;
    }
    expect(isGatewayError(caught) && caught.code).toBe('bad_request');
    const problems = (caught as { details: { problems: string[] } }).details.problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['after', 'limit', 'topic', 'status']);
  });
});
