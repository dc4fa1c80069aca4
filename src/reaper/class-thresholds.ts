import type { SessionClasses } from '../policies/session-classes.js';
import type { ClassThresholds } from '../sessions/session-store.js';

/**
 * The thresholds of each named class for one run, in ms: what the class sets
 * itself, else the run's default-class value (the configured one, or the
 * run's override of it: `reap --idle-timeout 600` reaches every class that
 * does not set its own idle timeout, and leaves a kiosk's hour alone).
 */
export function classThresholds(
  classes: SessionClasses | undefined,
  run: ClassThresholds,
): Record<string, ClassThresholds> {
  const byClass: Record<string, ClassThresholds> = {};
  for (const name of classes?.namedClasses ?? []) {
    const own = classes?.overridesOf(name) ?? {};
    byClass[name] = {
      idleTimeoutMs:
        own.idleTimeoutSeconds === undefined ? run.idleTimeoutMs : own.idleTimeoutSeconds * 1000,
      disconnectGraceMs:
        own.disconnectGraceSeconds === undefined
          ? run.disconnectGraceMs
          : own.disconnectGraceSeconds * 1000,
      maxAgeMs:
        own.maxSessionAgeSeconds === undefined ? run.maxAgeMs : own.maxSessionAgeSeconds * 1000,
      warnMs: own.warnBeforeSeconds === undefined ? run.warnMs : own.warnBeforeSeconds * 1000,
    };
  }
  return byClass;
}
