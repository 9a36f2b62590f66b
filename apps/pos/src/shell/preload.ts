/**
 * The preload: runs sandboxed, exposes `window.till` (one typed function per operation)
 * through contextBridge. ipcRenderer itself never reaches the page.
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import type { Result } from '../core/errors';
import type { RequestOf, ResponseOf } from '../core/operations';
import type { TerminalEvent } from '../core/views';
import { type Channel, EVENT_CHANNEL, ipcChannel, type TillApi } from './ipc';

const invoke =
  <C extends Channel>(channel: C) =>
  (request: RequestOf<C>): Promise<Result<ResponseOf<C>>> =>
    ipcRenderer.invoke(ipcChannel(channel), request);

const till = {
  session: {
    get: invoke('session.get'),
    signIn: invoke('session.signIn'),
    signOut: invoke('session.signOut'),
    status: invoke('session.status'),
  },
  checkout: {
    current: invoke('checkout.current'),
    scan: invoke('checkout.scan'),
    addSku: invoke('checkout.addSku'),
    setQuantity: invoke('checkout.setQuantity'),
    voidLine: invoke('checkout.voidLine'),
    attachCustomer: invoke('checkout.attachCustomer'),
    detachCustomer: invoke('checkout.detachCustomer'),
    addCoupon: invoke('checkout.addCoupon'),
    removeCoupon: invoke('checkout.removeCoupon'),
    setCurrency: invoke('checkout.setCurrency'),
    currencies: invoke('checkout.currencies'),
    cancel: invoke('checkout.cancel'),
    park: invoke('checkout.park'),
    parked: invoke('checkout.parked'),
    resume: invoke('checkout.resume'),
    tender: invoke('checkout.tender'),
    removeTender: invoke('checkout.removeTender'),
  },
  catalog: {
    search: invoke('catalog.search'),
    priceCheck: invoke('catalog.priceCheck'),
  },
  sales: {
    receipt: invoke('sales.receipt'),
    recent: invoke('sales.recent'),
  },
  returns: {
    find: invoke('returns.find'),
    complete: invoke('returns.complete'),
  },
  drawer: {
    open: invoke('drawer.open'),
  },
  events: {
    subscribe(listener: (event: TerminalEvent) => void) {
      const handler = (_event: IpcRendererEvent, payload: TerminalEvent) => listener(payload);
      ipcRenderer.on(EVENT_CHANNEL, handler);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, handler);
      };
    },
  },
} satisfies TillApi;

contextBridge.exposeInMainWorld('till', till);
