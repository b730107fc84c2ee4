// End to end over every reader kind: the real kiosk in headless Chromium drives, through the fake WebUSB, a
// short-APDU CCID reader, an extended-APDU CCID reader, a TPDU-level CCID reader (the kiosk runs T=1) and a Sony
// RC-S380 (the kiosk runs Port-100, Type B activation and ISO-DEP), each with the same virtual card, against the
// real edge and origin. The check-in code is the same for all; only the driver chosen from the descriptors differs.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { enterPin, openKiosk, screen, useStack } from './support.mjs';

const holder = DEMO_CARDS.find((c) => c.scenario === 'valid');

// What the first command of each driver looks like: CCID IccPowerOn (0x62) or the Port-100 ACK. A CCID reader is
// first asked whether a card is in (GetSlotStatus, 0x65); the RC-S380's poll for a card is its power-on.
const GET_SLOT_STATUS = /^6500000000/;
const firstCommand = (outs) => outs.find((entry) => !GET_SLOT_STATUS.test(entry.hex));
const FIRST_OUT = {
  'ccid-apdu': /^62/,
  'ccid-extended': /^62/,
  'ccid-tpdu': /^62/,
  rcs380: /^0000ff00ff00$/,
};

describe('check-in and registration over every reader kind', () => {
  const env = useStack();

  for (const readerKind of Object.keys(FIRST_OUT)) {
    test(`a valid card over ${readerKind} shows 有効`, async () => {
      assert.ok(holder, 'a demo card for the valid scenario');
      const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, readerKind });
      await page.click('#connect');
      await screen(page, 'pin');
      assert.match(await page.textContent('#tries-left'), /3/);
      await enterPin(page, holder.pin);
      await screen(page, 'result');
      assert.equal(await page.textContent('#validity'), '有効');

      const log = await page.evaluate(() => window.onshiVirtualUsb.log);
      const outs = log.filter((entry) => entry.dir === 'out');
      assert.match(firstCommand(outs).hex, FIRST_OUT[readerKind], 'the driver matching the reader spoke first');
      if (readerKind !== 'rcs380') assert.match(outs[0].hex, GET_SLOT_STATUS, 'the slot was asked before the power-on');
      assert.ok(log.some((entry) => entry.dir === 'control'), 'the kiosk read the configuration descriptor');
      if (readerKind === 'ccid-tpdu') {
        // T=1 blocks inside XfrBlock: NAD 00 then an I-block PCB (00 or 40).
        assert.ok(outs.some((entry) => /^6f.{18}00(00|40)/.test(entry.hex)), 'T=1 I-blocks were sent');
      }
      if (readerKind === 'rcs380') {
        // InCommRF carrying REQB 05 00 10 after the 30 ms timeout 36 01.
        assert.ok(outs.some((entry) => entry.hex.includes('d6043601050010')), 'REQB was sent');
      }
      await context.close();
    });
  }

  // 健康保険証利用登録 reads the same card files through the same driver; the valid card is linked already, so the
  // registry answers AlreadyRegistered after the whole card → PIN → terms path.
  for (const readerKind of Object.keys(FIRST_OUT)) {
    test(`registration over ${readerKind} reads the card and reaches the registry`, async () => {
      const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, readerKind });
      await page.click('#register');
      await enterPin(page, holder.pin);
      await screen(page, 'registration-terms');
      await page.click('#terms-accept');
      await screen(page, 'registered');
      assert.equal(await page.getAttribute('#registered', 'data-outcome'), 'AlreadyRegistered');
      const outs = (await page.evaluate(() => window.onshiVirtualUsb.log)).filter((entry) => entry.dir === 'out');
      assert.match(firstCommand(outs).hex, FIRST_OUT[readerKind], 'the driver matching the reader spoke first');
      await context.close();
    });
  }
});
