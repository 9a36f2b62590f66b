import type { Audience } from '@till/sync';
import { productsSection } from './products';
import type { SnapshotSection } from './section';
import { stockLevelsSection } from './stock-levels';

export type { SnapshotSection } from './section';

/** Every snapshot section, in the order a client loads them. */
export const SECTIONS: readonly SnapshotSection[] = [productsSection, stockLevelsSection];

export const sectionsFor = (audience: Audience) => SECTIONS.filter((s) => s.audiences.includes(audience));
