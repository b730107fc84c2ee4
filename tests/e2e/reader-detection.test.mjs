// End to end: how the kiosk finds its reader and notices the card, in headless Chromium against the real edge and
// origin. Remembered readers (`navigator.usb.getDevices()`) start without the chooser; a re-plugged reader comes
// back through the `connect` event; an empty reader asks for the card and reads it when it arrives; the card
// leaving is noticed from the CCID interrupt endpoint (NotifySlotChange) or, on the RC-S380, by polling. Detection
// sends nothing but status commands: never an APDU, let alone a VERIFY.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_CARDS } from '../../xtask/stack.mjs';
import { auditScreen, enterPin, openKiosk, screen, useStack } from './support.mjs';

const holder = DEMO_CARDS.find((c) => c.scenario === 'valid');
const usbLog = (page) => page.evaluate(() => window.onshiVirtualUsb.log);
const chooserOpened = (page) => page.evaluate(() => window.onshiVirtualUsb.requestDeviceCalls);
const readerStatus = (page, status) => page.waitForSelector(`#reader-status[data-reader="${status}"]`);
/** The bulk OUT transfers logged from index `from` on. */
const outsSince = (log, from) => log.slice(from).filter((entry) => entry.dir === 'out').map((entry) => entry.hex);
/**
 * VERIFY carrying a 4-digit PIN (CLA 00, INS 20, P1 00, P2, Lc 04) anywhere in a transfer, whatever frames it. (VERIFY
 * without data only asks for the tries left; the check-in sends it once the card is read.)
 */
const VERIFY = /002000[0-9a-f]{2}04/;
/** CCID PC_to_RDR_GetSlotStatus: message type 0x65, no data. */
const GET_SLOT_STATUS = /^6500000000/;

describe('remembered readers and hot-plug', () => {
  const env = useStack();

  test('a reader the kiosk used before starts the check-in without the chooser', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, preAuthorised: true, axe: true });
    await readerStatus(page, 'connected');
    assert.deepEqual(await auditScreen(page, 'welcome-reader-connected'), []);
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');
    assert.equal(await chooserOpened(page), 0, 'getDevices() found the reader; no chooser was shown');
    await context.close();
  });

  test('a reader chosen once is remembered for the next patient', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index });
    await readerStatus(page, 'missing');
    await page.click('#connect');
    await screen(page, 'pin');
    assert.equal(await chooserOpened(page), 1, 'the first check-in asks the person to choose the reader');
    await page.click('#start-over');
    await readerStatus(page, 'connected');
    await page.click('#connect');
    await screen(page, 'pin');
    assert.equal(await chooserOpened(page), 1, 'the second check-in uses the remembered reader');
    await context.close();
  });

  test('unplugged, the start screen says so; plugged back, the reader returns and checks in', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, preAuthorised: true, axe: true });
    await readerStatus(page, 'connected');
    await page.evaluate(() => window.onshiVirtualUsb.unplug());
    await readerStatus(page, 'missing');
    assert.deepEqual(await auditScreen(page, 'welcome-no-reader'), []);
    const replaced = await page.evaluate(() => {
      const old = window.onshiVirtualUsb.device;
      window.onshiVirtualUsb.plug();
      return window.onshiVirtualUsb.device !== old;
    });
    assert.ok(replaced, 'a re-plugged reader is a new USBDevice, announced by a connect event');
    await readerStatus(page, 'connected');
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');
    assert.equal(await chooserOpened(page), 0);
    await context.close();
  });

  test('a reader unplugged at the PIN pad and plugged back serves the next check-in, with every PIN try left', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, preAuthorised: true });
    await page.click('#connect');
    await screen(page, 'pin');
    await page.evaluate(() => window.onshiVirtualUsb.unplug());
    await screen(page, 'failed');
    assert.equal(await page.getAttribute('#failed', 'data-failure'), 'ReaderDisconnected');
    await page.evaluate(() => window.onshiVirtualUsb.plug());
    await page.click('#start-over');
    await readerStatus(page, 'connected');
    await page.click('#connect');
    await screen(page, 'pin');
    assert.match(await page.textContent('#tries-left'), /3/);
    await context.close();
  });
});

describe('card insertion and removal', () => {
  const env = useStack();

  test('an empty CCID reader asks for the card and reads it when the reader announces it', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: null, preAuthorised: true, axe: true });
    await page.click('#connect');
    await screen(page, 'insert-card');
    assert.deepEqual(await auditScreen(page, 'insert-card'), []);
    const waiting = await usbLog(page);
    const outs = outsSince(waiting, 0);
    assert.ok(outs.length > 0, 'the kiosk asked the slot once');
    assert.deepEqual(outs.filter((hex) => !GET_SLOT_STATUS.test(hex)), [], 'only GetSlotStatus while no card is in');
    await page.evaluate((index) => window.onshiVirtualUsb.insertCard(index), holder.index);
    await screen(page, 'pin');
    const log = await usbLog(page);
    assert.ok(log.some((entry) => entry.dir === 'interrupt' && entry.hex === '5003'),
      'the insertion came as NotifySlotChange (slot 0: present, changed)');
    // Between the notification and the PIN pad the card is powered and read, but no PIN is sent.
    assert.ok(log.some((entry) => entry.dir === 'out' && /^62/.test(entry.hex)), 'the card was powered after the notice');
    assert.deepEqual(log.filter((entry) => entry.dir === 'out' && VERIFY.test(entry.hex)), []);
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');
    await context.close();
  });

  test('an empty RC-S380 polls for the card and reads it when it is placed', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: null, readerKind: 'rcs380', preAuthorised: true });
    await page.click('#connect');
    await screen(page, 'insert-card');
    await page.evaluate((index) => window.onshiVirtualUsb.insertCard(index), holder.index);
    await screen(page, 'pin');
    const log = await usbLog(page);
    assert.ok(!log.some((entry) => entry.dir === 'interrupt'), 'the RC-S380 has no interrupt endpoint');
    assert.deepEqual(log.filter((entry) => entry.dir === 'out' && VERIFY.test(entry.hex)), []);
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    assert.equal(await page.textContent('#validity'), '有効');
    await context.close();
  });

  test('a card taken from a CCID reader is noticed from the interrupt endpoint, with no command sent', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, preAuthorised: true });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    const mark = (await usbLog(page)).length;
    await page.evaluate(() => window.onshiVirtualUsb.removeCard());
    // The consent question is still open, so the kiosk says the card is out and asks for the answer.
    await page.waitForSelector('#card-taken-early');
    const log = await usbLog(page);
    assert.ok(log.slice(mark).some((entry) => entry.dir === 'interrupt' && entry.hex === '5002'),
      'the removal came as NotifySlotChange (slot 0: absent, changed)');
    assert.deepEqual(outsSince(log, mark), [], 'nothing was sent to the reader to learn it');
    await context.close();
  });

  test('a card taken from an RC-S380 is noticed by polling, with no APDU sent', async () => {
    const { page, context } = await openKiosk(env.browser, env.stack, { cardIndex: holder.index, readerKind: 'rcs380', preAuthorised: true });
    await page.click('#connect');
    await enterPin(page, holder.pin);
    await screen(page, 'result');
    const mark = (await usbLog(page)).length;
    await page.evaluate(() => window.onshiVirtualUsb.removeCard());
    // The consent question is still open, so the kiosk says the card is out and asks for the answer.
    await page.waitForSelector('#card-taken-early');
    const outs = outsSince(await usbLog(page), mark);
    assert.ok(outs.length > 0, 'the kiosk polled the reader');
    assert.deepEqual(outs.filter((hex) => VERIFY.test(hex)), []);
    await context.close();
  });
});
