/**
 * Verifies the audit trail: walks the chain in seq order, page by page (never the whole trail in memory),
 * recomputes each row's hash in this process (audit-canonical.ts, independent of the database's functions),
 * checks each link to the previous row and that seq has no gaps, then checks every checkpoint against the
 * chain. Reports the first broken link.
 */
import { auditRowHash } from './audit-canonical';
import type { AuditChainSource } from './audit-store';
import { GENESIS_HASH } from './audit-types';

export type ChainBreakReason = 'hash mismatch' | 'broken chain' | 'missing row (gap in seq)';

/**
 * The first place the chain does not hold.
 * - hash mismatch: the row's content no longer hashes to its row_hash (expected: recomputed, actual: stored).
 * - broken chain: the row's prev_hash is not the previous row's row_hash (expected: previous row_hash, actual:
 *   this row's prev_hash).
 * - missing row: seq jumps (seq: the first missing seq, id: null, expected/actual: the seq expected and found).
 */
export interface ChainBreak {
  seq: number;
  id: string | null;
  expected: string;
  actual: string;
  reason: ChainBreakReason;
}

export interface CheckpointProblem {
  seq: number;
  expected: string;
  actual: string | null;
  reason: 'checkpoint mismatch' | 'checkpoint row missing';
}

export interface AuditVerification {
  ok: boolean;
  rowsChecked: number;
  /** Last seq read, and its row_hash: what an auditor writes down to detect later truncation. */
  headSeq: number | null;
  headHash: string | null;
  firstBreak: ChainBreak | null;
  checkpointsChecked: number;
  checkpointProblem: CheckpointProblem | null;
}

export interface AuditVerifierOptions {
  /** Rows per page read from the database. Default 1000. */
  pageSize?: number;
}

export class AuditVerifier {
  private readonly pageSize: number;

  constructor(
    private readonly source: AuditChainSource,
    options: AuditVerifierOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 1000;
  }

  async verify(): Promise<AuditVerification> {
    const chain = await this.walkChain();
    const checkpoints = await this.checkCheckpoints();
    return {
      ok: chain.firstBreak === null && checkpoints.problem === null,
      rowsChecked: chain.rowsChecked,
      headSeq: chain.headSeq,
      headHash: chain.headHash,
      firstBreak: chain.firstBreak,
      checkpointsChecked: checkpoints.checked,
      checkpointProblem: checkpoints.problem,
    };
  }

  private async walkChain(): Promise<{
    rowsChecked: number;
    headSeq: number | null;
    headHash: string | null;
    firstBreak: ChainBreak | null;
  }> {
    let rowsChecked = 0;
    let prevSeq = 0;
    let prevHash = GENESIS_HASH;
    for (;;) {
      const rows = await this.source.chainPage(prevSeq, this.pageSize);
      for (const row of rows) {
        rowsChecked++;
        const head = { rowsChecked, headSeq: row.seq, headHash: row.rowHash };
        if (row.seq !== prevSeq + 1) {
          const firstBreak: ChainBreak = {
            seq: prevSeq + 1,
            id: null,
            expected: String(prevSeq + 1),
            actual: String(row.seq),
            reason: 'missing row (gap in seq)',
          };
          return { ...head, firstBreak };
        }
        if (row.prevHash !== prevHash) {
          const firstBreak: ChainBreak = {
            seq: row.seq,
            id: row.id,
            expected: prevHash,
            actual: row.prevHash,
            reason: 'broken chain',
          };
          return { ...head, firstBreak };
        }
        const recomputed = safeHash(row);
        if (recomputed !== row.rowHash) {
          const firstBreak: ChainBreak = {
            seq: row.seq,
            id: row.id,
            expected: recomputed,
            actual: row.rowHash,
            reason: 'hash mismatch',
          };
          return { ...head, firstBreak };
        }
        prevSeq = row.seq;
        prevHash = row.rowHash;
      }
      if (rows.length < this.pageSize) break;
    }
    return {
      rowsChecked,
      headSeq: prevSeq === 0 ? null : prevSeq,
      headHash: prevSeq === 0 ? null : prevHash,
      firstBreak: null,
    };
  }

  private async checkCheckpoints(): Promise<{ checked: number; problem: CheckpointProblem | null }> {
    let checked = 0;
    let after = 0;
    for (;;) {
      const page = await this.source.checkpointPage(after, this.pageSize);
      for (const cp of page) {
        checked++;
        if (cp.chainHash === null) {
          return {
            checked,
            problem: { seq: cp.seq, expected: cp.rowHash, actual: null, reason: 'checkpoint row missing' },
          };
        }
        if (cp.chainHash !== cp.rowHash) {
          return {
            checked,
            problem: {
              seq: cp.seq,
              expected: cp.rowHash,
              actual: cp.chainHash,
              reason: 'checkpoint mismatch',
            },
          };
        }
        after = cp.seq;
      }
      if (page.length < this.pageSize) return { checked, problem: null };
    }
  }
}

/** A payload that no longer parses cannot hash to anything stored: report it as a mismatch. */
function safeHash(row: Parameters<typeof auditRowHash>[0]): string {
  try {
    return auditRowHash(row);
  } catch {
    return 'unparseable payload';
  }
}
