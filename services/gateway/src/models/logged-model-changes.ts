import type { Logger } from 'pino';
import type { ModelChange, ModelChangeRecorder } from './model-lifecycle';

/** Records model changes as structured log lines (used when no database is configured for the audit trail). */
export class LoggedModelChanges implements ModelChangeRecorder {
  constructor(private readonly log: Logger) {}

  async recordModelChange(change: ModelChange): Promise<void> {
    this.log.info(
      {
        audit: true,
        action: change.action,
        model: change.model,
        version: change.version,
        actor: change.actor.name,
        role: change.actor.role,
        reason: change.reason,
        details: change.details,
      },
      'model change',
    );
  }
}
