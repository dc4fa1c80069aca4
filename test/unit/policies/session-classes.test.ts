import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { SessionClasses } from '../../../src/policies/session-classes.js';

const defaults = {
  idleTimeoutSeconds: 300,
  disconnectGraceSeconds: 90,
  maxSessionAgeSeconds: 0,
  warnBeforeSeconds: 0,
};
const classes = new SessionClasses(
  defaults,
  { kiosk: { idleTimeoutSeconds: 3600 }, gpu: { maxSessionAgeSeconds: 7200 } },
  'policies.yml',
);

describe('Class: SessionClasses', () => {
  describe('Method: policyOf', () => {
    it('inherits from the defaults it is given, so a run-wide override reaches classes that do not set it', () => {
      const run = { ...defaults, idleTimeoutSeconds: 10, disconnectGraceSeconds: 5 };
      expect(classes.policyOf('kiosk', run)).toEqual({ ...run, idleTimeoutSeconds: 3600 });
      expect(classes.policyOf('gpu', run)).toEqual({ ...run, maxSessionAgeSeconds: 7200 });
    });

    it('judges a class no longer in the file as a default session', () => {
      expect(classes.policyOf('removed')).toEqual(defaults);
    });
  });

  describe('Method: assertKnown', () => {
    it('returns a known name and refuses an unknown one, naming the field and the file', () => {
      expect(classes.assertKnown('kiosk')).toBe('kiosk');
      expect(classes.assertKnown('default')).toBe('default');
      const attempt = () => classes.assertKnown('kiosks', '--class');
      expect(attempt).toThrow(ValidationError);
      expect(attempt).toThrow(
        '--class: unknown class "kiosks" in policies.yml; known classes: "default", "gpu", "kiosk"',
      );
      expect(() => classes.assertKnown(42)).toThrow('class: must be a class name, got 42');
    });
  });
});
