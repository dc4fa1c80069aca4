import { DEFAULT_CLASS } from '../policies/session-classes.js';
import type { Candidate, ClassThresholds } from '../sessions/session-store.js';
import type { WarnPolicy } from '../sessions/warnings.js';
import { classThresholds } from './class-thresholds.js';
import type { ReaperSettings } from './settings.js';
import type { ReapOptions } from './types.js';

/** The rules one run judges sessions by: the settings with the run's overrides, per class. */
export class RunRules {
  /** The default class's rules. */
  readonly thresholds: ClassThresholds;
  /** Each named class's rules. */
  readonly classes: Record<string, ClassThresholds>;

  constructor(
    private readonly settings: ReaperSettings,
    options: Pick<ReapOptions, 'idleTimeoutMs' | 'disconnectGraceMs' | 'maxAgeMs'>,
  ) {
    this.thresholds = {
      idleTimeoutMs: options.idleTimeoutMs ?? settings.idleTimeoutMs,
      disconnectGraceMs: options.disconnectGraceMs ?? settings.disconnectGraceMs,
      maxAgeMs: options.maxAgeMs ?? settings.maxAgeMs,
      warnMs: settings.warnBeforeMs ?? 0,
    };
    this.classes = classThresholds(settings.classes, this.thresholds);
  }

  /** Whether any class warns before its sessions are reaped. */
  get warns(): boolean {
    return [this.thresholds, ...Object.values(this.classes)].some((t) => (t.warnMs ?? 0) > 0);
  }

  /** The rules of a class (an unknown class is judged as the default one). */
  policyOf(sessionClass: string | undefined): WarnPolicy {
    const own = sessionClass === undefined ? undefined : this.classes[sessionClass];
    return {
      ...(own ?? this.thresholds),
      activityResolutionMs: this.settings.activityResolutionMs,
    };
  }

  /** How long before its reap a candidate must have been warned; 0 when it needs no warning. */
  warnMsOf(candidate: Candidate): number {
    return this.policyOf(candidate.session.class).warnMs ?? 0;
  }

  /** The thresholds an outcome is counted under: idle is due once the resolution has passed too. */
  tallyPolicyOf(sessionClass: string | undefined): ClassThresholds {
    const { warnMs: _, ...thresholds } =
      sessionClass === undefined || sessionClass === DEFAULT_CLASS
        ? this.thresholds
        : (this.classes[sessionClass] ?? this.thresholds);
    return {
      ...thresholds,
      idleTimeoutMs: thresholds.idleTimeoutMs + (this.settings.activityResolutionMs ?? 0),
    };
  }
}
