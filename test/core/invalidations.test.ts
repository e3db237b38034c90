import { describe, expect, it } from 'vitest';
import { createInvalidations } from '../../src/core/invalidations.ts';
import { localChannels } from '../../src/db/channels.ts';

/** Waits for the in-process channels' delivery (after the current turn of the event loop). */
const delivered = () => new Promise((r) => setImmediate(r));

describe('invalidations announced between instances (core/invalidations.ts)', () => {
  it('a change is forgotten here at once and by every other instance on hearing it, with its keys', async () => {
    const channels = localChannels();
    const [here, there] = [createInvalidations(channels), createInvalidations(channels)];
    await Promise.all([here.start(), there.start()]);
    const heard: { who: string; keys: readonly string[] | undefined }[] = [];
    here.on('accounts', (keys) => heard.push({ who: 'here', keys }));
    there.on('accounts', (keys) => heard.push({ who: 'there', keys }));
    there.on('sessions', () => heard.push({ who: 'there-sessions', keys: undefined }));
    here.changed('accounts', ['client-1']);
    expect(heard).toEqual([{ who: 'here', keys: ['client-1'] }]);
    await delivered();
    // (the instance that made the change does not forget twice)
    expect(heard).toEqual([
      { who: 'here', keys: ['client-1'] },
      { who: 'there', keys: ['client-1'] },
    ]);
  });

  it('many keys are announced as "everything"; a lost connection makes every topic forget everything', async () => {
    const channels = localChannels();
    let catchUp: (() => void) | undefined;
    const spied = {
      notify: channels.notify,
      listen: (channel: string, handler: { onNotify(p: string): void; onCatchUp(): void }) => {
        catchUp = () => handler.onCatchUp();
        return channels.listen(channel, handler);
      },
    };
    const [here, there] = [createInvalidations(channels), createInvalidations(spied)];
    await Promise.all([here.start(), there.start()]);
    const heard: (readonly string[] | undefined)[] = [];
    there.on('accounts', (keys) => heard.push(keys));
    there.on('stops', () => heard.push(['stops']));
    here.changed(
      'accounts',
      Array.from({ length: 500 }, (_, i) => `c-${i}`),
    );
    await delivered();
    expect(heard).toEqual([undefined]);
    catchUp!();
    expect(heard).toEqual([undefined, undefined, ['stops']]);
  });
});
