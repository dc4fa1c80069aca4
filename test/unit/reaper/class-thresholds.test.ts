import { describe, expect, it } from 'vitest';
import { SessionClasses } from '../../../src/policies/session-classes.js';
import { classThresholds } from '../../../src/reaper/class-thresholds.js';

const classes = new SessionClasses(
  {
    idleTimeoutSeconds: 300,
    disconnectGraceSeconds: 90,
    maxSessionAgeSeconds: 0,
    warnBeforeSeconds: 0,
  },
  {
    kiosk: { idleTimeoutSeconds: 3600, disconnectGraceSeconds: 300 },
    gpu: { maxSessionAgeSeconds: 7200 },
  },
);

describe('Function: classThresholds', () => {
  it('gives each named class its own values in ms, and the run thresholds for the rest', () => {
    const run = { idleTimeoutMs: 600_000, disconnectGraceMs: 90_000, maxAgeMs: 0 };
    expect(classThresholds(classes, run)).toEqual({
      gpu: { idleTimeoutMs: 600_000, disconnectGraceMs: 90_000, maxAgeMs: 7_200_000 },
      kiosk: { idleTimeoutMs: 3_600_000, disconnectGraceMs: 300_000, maxAgeMs: 0 },
    });
  });

  it('is empty without classes', () => {
    const run = { idleTimeoutMs: 1, disconnectGraceMs: 0, maxAgeMs: 0 };
    expect(classThresholds(undefined, run)).toEqual({});
  });
});
