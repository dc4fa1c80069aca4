import { describe, expect, it } from 'vitest';
import { CheckLead, MAX_CHECK_LEAD_MS } from '../../../src/reaper/check-lead.js';

describe('Class: CheckLead', () => {
  it('starts at 0 and follows the 90th percentile of the recent checks', () => {
    const lead = new CheckLead();
    expect(lead.current()).toBe(0);
    for (let i = 1; i <= 10; i++) lead.observe(i * 2);
    expect(lead.current()).toBe(20);
  });

  it('forgets old checks and never asks for more than the cap', () => {
    const lead = new CheckLead();
    for (let i = 0; i < 32; i++) lead.observe(400);
    expect(lead.current()).toBe(MAX_CHECK_LEAD_MS);
    for (let i = 0; i < 32; i++) lead.observe(5);
    expect(lead.current()).toBe(5);
  });

  it('ignores a measure that is not a duration', () => {
    const lead = new CheckLead();
    lead.observe(Number.NaN);
    lead.observe(-3);
    expect(lead.current()).toBe(0);
  });
});
