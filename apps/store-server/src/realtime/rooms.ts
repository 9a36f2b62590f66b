import type { Audience } from '@till/sync';

/** Socket.IO rooms: who gets what. */

/** The change feed of one store as one kind of client sees it. */
export const feedRoom = (storeId: string, audience: Audience) => `feed:${storeId}:${audience}`;
/** Every client of a store (notices for all). */
export const storeRoom = (storeId: string) => `store:${storeId}`;
/** One terminal's sockets (it may run twice by mistake): revocation, messages for it alone. */
export const terminalRoom = (terminalId: string) => `terminal:${terminalId}`;
/** The dashboards of a store. */
export const dashboardRoom = (storeId: string) => feedRoom(storeId, 'dashboard');
