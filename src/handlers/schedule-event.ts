/**
 * True for the event EventBridge sends on a `schedule:` rule
 * (`{ "source": "aws.events", "detail-type": "Scheduled Event", ... }`); such
 * an invocation is the schedule trigger and carries no reap options.
 */
export function isScheduledEvent(event: unknown): boolean {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return false;
  const record = event as Record<string, unknown>;
  return record.source === 'aws.events' && record['detail-type'] === 'Scheduled Event';
}
