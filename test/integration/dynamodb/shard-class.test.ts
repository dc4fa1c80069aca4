import { describe, expect, it } from 'vitest';
import { derivedAttributes } from '../../../src/dynamodb/item-mapping.js';
import { shardKey, shardOf } from '../../../src/sessions/shard.js';
import { aSession } from '../../helpers/dynamo.js';

describe('Function: shardKey with a class', () => {
  it('gives a named class partition families of its own for A, D and the age index only', () => {
    expect(shardKey('A', 3)).toBe('A#3');
    expect(shardKey('A', 3, 'default')).toBe('A#3');
    expect(shardKey('A', 3, 'kiosk')).toBe('A#kiosk#3');
    expect(shardKey('D', 3, 'kiosk')).toBe('D#kiosk#3');
    expect(shardKey('G', 3, 'kiosk')).toBe('G#kiosk#3');
    expect(shardKey('R', 3, 'kiosk')).toBe('R#3');
    expect(shardKey('L', 3, 'kiosk')).toBe('L#3');
  });

  it('keys a session by its class in derivedAttributes', () => {
    const shard = shardOf('booth');
    const active = derivedAttributes(aSession({ userId: 'booth', class: 'kiosk' }, 5));
    expect(active).toMatchObject({ dueShard: `A#kiosk#${shard}`, ageShard: `G#kiosk#${shard}` });
    const retry = derivedAttributes(
      aSession({ userId: 'booth', class: 'kiosk', nextAttemptAt: 9, attempts: 1 }, 5),
    );
    expect(retry.dueShard).toBe(`R#${shard}`);
  });
});
