import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CarAuthError, reportError } from '../../../src/cli/errors.js';
import { ConfigError, StoreError, ValidationError } from '../../../src/errors.js';

describe('Function: reportError', () => {
  it('exits 0 after help or version', () => {
    expect(reportError(new CommanderError(0, 'commander.helpDisplayed', '')).exitCode).toBe(0);
    expect(reportError(new CommanderError(0, 'commander.version', '1')).exitCode).toBe(0);
  });

  it('exits 2 on usage errors, leaving the message to commander', () => {
    const report = reportError(new CommanderError(1, 'commander.unknownCommand', 'x'));
    expect(report).toEqual({ exitCode: 2 });
    // A bare group command (`car-reaper table`) shows help with status 1: still usage.
    expect(reportError(new CommanderError(1, 'commander.help', '(outputHelp)')).exitCode).toBe(2);
  });

  it('names the variable of a configuration error and exits 1', () => {
    const report = reportError(new ConfigError('CAR_QUOTA_RPS', 'must be an integer >= 1'));
    expect(report.exitCode).toBe(1);
    expect(report.message).toMatch(/^CAR_QUOTA_RPS: /);
  });

  it('names the field of a validation error and exits 2', () => {
    const report = reportError(new ValidationError('userId', 'must not be empty'));
    expect(report).toEqual({ exitCode: 2, message: 'userId: must not be empty' });
  });

  it("keeps a store error's own message, adding the endpoint when it lacks it", () => {
    const named = new StoreError('cannot reach DynamoDB at http://127.0.0.1:1 (ECONNREFUSED)', {
      endpoint: 'http://127.0.0.1:1',
    });
    expect(reportError(named).message).toBe(named.message);
    const bare = new StoreError('table missing', { endpoint: 'http://127.0.0.1:2' });
    expect(reportError(bare)).toEqual({
      exitCode: 1,
      message: 'table missing (DynamoDB at http://127.0.0.1:2)',
    });
  });

  it('exits 1 when CAR refused the credentials', () => {
    const report = reportError(new CarAuthError('AuthFailure.SecretIdNotFound', 'no such key'));
    expect(report.exitCode).toBe(1);
    expect(report.message).toContain('AuthFailure.SecretIdNotFound');
  });

  it('exits 1 with the message of anything else', () => {
    expect(reportError(new Error('boom'))).toEqual({ exitCode: 1, message: 'boom' });
  });
});
