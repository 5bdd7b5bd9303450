/**
 * A model's config does not give the gateway what it needs (a configuration error, not a caller error: it is
 * a plain Error, so the HTTP layer answers 500 and logs it). It lists every problem found, each naming the
 * parameter key (or config field) at fault.
 */
export interface ContractProblem {
  /** Parameter key (`review_threshold`), JSON path (`severity_rules_json.per_class`) or config field. */
  key: string;
  message: string;
}

export class ModelContractError extends Error {
  readonly model: string;
  readonly problems: readonly ContractProblem[];

  constructor(model: string, problems: readonly ContractProblem[], options?: { cause?: unknown }) {
    const list = problems.map((p) => `${p.key}: ${p.message}`).join('; ');
    super(`model '${model}': invalid model contract: ${list}`, options);
    this.name = 'ModelContractError';
    this.model = model;
    this.problems = problems;
  }

  /** The keys at fault, in the order found. */
  get keys(): string[] {
    return this.problems.map((p) => p.key);
  }
}

/** Thrown inside a section parser for one problem; collected by the contract parser. */
export class ContractProblemError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContractProblemError';
  }
}

/** Throws a single contract problem. */
export function problem(key: string, message: string): never {
  throw new ContractProblemError(key, message);
}
