import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { inStoreEan13 } from './ean13';

/**
 * A deterministic, plausible catalog for the demo store (and for benchmarks that need
 * 10,000 or 100,000 products): the same seed and size always give the same products,
 * barcodes, prices and stock.
 */

export interface DemoCategory {
  id: string;
  name: string;
}

export interface DemoProduct {
  sku: string;
  barcode: string;
  name: string;
  categoryId: string;
  parentSku: string | null;
  attributes: Record<string, string>;
  /** Decimal string in the catalog currency. */
  basePrice: string;
  taxRate: string;
  /** Units received into the demo store. */
  stock: number;
}

export interface DemoCatalog {
  categories: DemoCategory[];
  products: DemoProduct[];
}

interface ProductType {
  name: string;
  /** Price range in whole currency units. */
  price: [number, number];
  sizes?: readonly string[];
  colours?: readonly string[];
}

interface CategorySpec {
  category: DemoCategory;
  skuPrefix: string;
  /** Share of the catalog's products. */
  share: number;
  brands: readonly string[];
  types: readonly ProductType[];
}

const APPAREL_SIZES = ['XS', 'S', 'M', 'L', 'XL'] as const;
const SHOE_SIZES = ['38', '39', '40', '41', '42', '43', '44', '45'] as const;
const BASIC_COLOURS = ['Black', 'Navy', 'White', 'Grey', 'Olive', 'Burgundy', 'Sand'] as const;
const DEVICE_COLOURS = ['Black', 'White', 'Silver', 'Blue'] as const;
const HOME_COLOURS = ['Natural', 'Charcoal', 'Sage', 'Terracotta', 'Ivory'] as const;

const SPECS: readonly CategorySpec[] = [
  {
    category: { id: 'fashion', name: 'Fashion' },
    skuPrefix: 'FAS',
    share: 0.3,
    brands: ['Northline', 'Harbor & Co', 'Alder', 'Kestrel', 'Maple Row', 'Urbane', 'Fjord', 'Linden'],
    types: [
      { name: 'Oxford Shirt', price: [35, 79], sizes: APPAREL_SIZES, colours: BASIC_COLOURS },
      { name: 'Slim Fit Chinos', price: [39, 89], sizes: APPAREL_SIZES, colours: BASIC_COLOURS },
      { name: 'Merino Crew Sweater', price: [59, 129], sizes: APPAREL_SIZES, colours: BASIC_COLOURS },
      { name: 'Cotton T-Shirt', price: [12, 29], sizes: APPAREL_SIZES, colours: BASIC_COLOURS },
      { name: 'Hooded Sweatshirt', price: [35, 69], sizes: APPAREL_SIZES, colours: BASIC_COLOURS },
      { name: 'Denim Jacket', price: [69, 149], sizes: APPAREL_SIZES, colours: ['Indigo', 'Black', 'Light Wash'] },
      { name: 'Rain Jacket', price: [79, 189], sizes: APPAREL_SIZES, colours: ['Yellow', 'Navy', 'Black'] },
      { name: 'Leather Sneakers', price: [69, 139], sizes: SHOE_SIZES, colours: ['White', 'Black'] },
      { name: 'Chelsea Boots', price: [99, 219], sizes: SHOE_SIZES, colours: ['Brown', 'Black'] },
      { name: 'Leather Belt', price: [25, 59], sizes: ['S', 'M', 'L'], colours: ['Brown', 'Black'] },
      { name: 'Wool Scarf', price: [29, 69], colours: BASIC_COLOURS },
      { name: 'Knit Beanie', price: [15, 35], colours: BASIC_COLOURS },
    ],
  },
  {
    category: { id: 'electronics', name: 'Electronics' },
    skuPrefix: 'ELE',
    share: 0.2,
    brands: ['Voltra', 'Lumen', 'Sonique', 'Axis', 'Pixelry', 'Corewave', 'Tandem', 'Nimbus'],
    types: [
      { name: 'Wireless Earbuds', price: [39, 199], colours: DEVICE_COLOURS },
      { name: 'Bluetooth Speaker', price: [29, 249], colours: DEVICE_COLOURS },
      { name: 'Over-Ear Headphones', price: [59, 349], colours: DEVICE_COLOURS },
      { name: 'Mechanical Keyboard', price: [49, 179], colours: ['Black', 'White'] },
      { name: 'Wireless Mouse', price: [19, 89], colours: ['Black', 'White', 'Grey'] },
      { name: '27" 4K Monitor', price: [249, 599] },
      { name: 'USB-C Charger 65W', price: [25, 59] },
      { name: 'Power Bank 20000mAh', price: [29, 79], colours: ['Black', 'White'] },
      { name: 'HDMI 2.1 Cable 2m', price: [9, 29] },
      { name: 'Smartwatch', price: [99, 399], colours: ['Black', 'Silver', 'Rose'] },
      { name: 'Webcam 1080p', price: [39, 129] },
      { name: 'Portable SSD 1TB', price: [79, 189] },
    ],
  },
  {
    category: { id: 'home', name: 'Home goods' },
    skuPrefix: 'HOM',
    share: 0.2,
    brands: ['Hearth', 'Willow & Stone', 'Casa Nova', 'Oakridge', 'Nordhem', 'Bramble', 'Atelier', 'Kiln'],
    types: [
      { name: 'Stoneware Mug', price: [8, 22], colours: HOME_COLOURS },
      { name: 'Cotton Bath Towel', price: [14, 39], colours: HOME_COLOURS },
      { name: 'Linen Duvet Cover', price: [69, 179], sizes: ['Single', 'Double', 'King'], colours: HOME_COLOURS },
      { name: 'Scented Candle', price: [12, 39], colours: ['Fig', 'Cedar', 'Sea Salt', 'Amber'] },
      { name: 'Cast Iron Skillet 26cm', price: [29, 79] },
      { name: 'Throw Pillow', price: [19, 49], colours: HOME_COLOURS },
      { name: 'Table Lamp', price: [39, 149], colours: ['Brass', 'Black', 'White'] },
      { name: 'Glass Storage Jar Set', price: [15, 45] },
      { name: 'Chef Knife 20cm', price: [29, 149] },
      { name: 'Wool Throw Blanket', price: [49, 129], colours: HOME_COLOURS },
    ],
  },
  {
    category: { id: 'toys', name: 'Toys' },
    skuPrefix: 'TOY',
    share: 0.15,
    brands: ['Brickhaus', 'Tumble', 'Little Fox', 'Playwright', 'Wonderkin', 'Marble & Moss', 'Zoomi', 'Pebble'],
    types: [
      { name: 'Building Blocks Set 500 pcs', price: [24, 69] },
      { name: 'Plush Bear', price: [12, 39], sizes: ['Small', 'Large'], colours: ['Honey', 'Cream'] },
      { name: 'Jigsaw Puzzle 1000 pcs', price: [14, 29] },
      { name: 'Remote Control Car', price: [29, 99], colours: ['Red', 'Blue'] },
      { name: 'Wooden Train Set', price: [35, 89] },
      { name: 'Family Board Game', price: [19, 49] },
      { name: 'Art & Craft Kit', price: [15, 39] },
      { name: 'Dollhouse', price: [59, 179] },
      { name: 'Science Experiment Kit', price: [24, 59] },
      { name: 'Kick Scooter', price: [39, 119], colours: ['Red', 'Mint', 'Black'] },
    ],
  },
  {
    category: { id: 'sporting', name: 'Sporting goods' },
    skuPrefix: 'SPO',
    share: 0.15,
    brands: ['Summit', 'Stride', 'Apex Athletic', 'Riptide', 'Trailhead', 'Ironclad', 'Velo', 'Courtside'],
    types: [
      { name: 'Yoga Mat 6mm', price: [19, 69], colours: ['Purple', 'Teal', 'Black'] },
      { name: 'Football Size 5', price: [15, 49] },
      { name: 'Tennis Racket', price: [39, 199] },
      { name: 'Hex Dumbbell 5kg', price: [19, 39] },
      { name: 'Cycling Helmet', price: [39, 149], sizes: ['S', 'M', 'L'], colours: ['Black', 'White', 'Red'] },
      { name: 'Running Shoes', price: [69, 179], sizes: SHOE_SIZES, colours: ['Black', 'Blue'] },
      { name: 'Insulated Water Bottle 750ml', price: [15, 39], colours: ['Black', 'Steel', 'Green'] },
      { name: 'Resistance Band Set', price: [12, 35] },
      { name: 'Hiking Backpack 30L', price: [49, 149], colours: ['Olive', 'Black', 'Orange'] },
      { name: 'Swim Goggles', price: [9, 29], colours: ['Clear', 'Smoke'] },
    ],
  },
];

/** Categories of the demo catalog, in display order. */
export const DEMO_CATEGORIES: readonly DemoCategory[] = SPECS.map((s) => s.category);

const TAX_RATE = '0.08875';
const ENDINGS = ['0.99', '0.49', '0.00', '0.95'] as const;

function pick<T>(rng: ReturnType<typeof xoroshiro128plus>, items: readonly T[]): T {
  return items[uniformInt(rng, 0, items.length - 1)] as T;
}

/** A price that looks like a shelf price: whole units in range, with a retail ending. */
function shelfPrice(rng: ReturnType<typeof xoroshiro128plus>, [lo, hi]: [number, number]): string {
  const whole = uniformInt(rng, lo, hi) - 1;
  const [cents] = pick(rng, ENDINGS).split('.').slice(1);
  return `${Math.max(whole, 0)}.${cents ?? '99'}`;
}

/** Most SKUs are well stocked; a few are nearly gone (0–3 units) so low-stock alerts have work. */
function stockLevel(rng: ReturnType<typeof xoroshiro128plus>): number {
  const roll = uniformInt(rng, 1, 100);
  if (roll <= 3) return uniformInt(rng, 0, 3);
  if (roll <= 10) return uniformInt(rng, 4, 12);
  return uniformInt(rng, 15, 240);
}

function argMin(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) < (values[best] as number)) best = i;
  return best;
}

function variantsOf(type: ProductType): Array<Record<string, string>> {
  const sizes = type.sizes ?? [undefined];
  const colours = type.colours ?? [undefined];
  const out: Array<Record<string, string>> = [];
  for (const colour of colours) {
    for (const size of sizes) {
      const attrs: Record<string, string> = {};
      if (colour) attrs.colour = colour;
      if (size) attrs.size = size;
      out.push(attrs);
    }
  }
  return out;
}

export interface DemoCatalogOptions {
  /** At least this many products (default 2,400). */
  minProducts?: number;
  seed?: number;
}

/**
 * Products are made family by family (brand × product type, then a series number once
 * every pair is used), each family going to the category furthest below its share.
 */
export function generateDemoCatalog(options: DemoCatalogOptions = {}): DemoCatalog {
  const minProducts = options.minProducts ?? 2_400;
  const rng = xoroshiro128plus(options.seed ?? 20261123);
  const products: DemoProduct[] = [];
  const familiesMade = SPECS.map(() => 0);
  let barcodeNo = 0;

  const madeIn = SPECS.map(() => 0);
  while (products.length < minProducts) {
    // The next family goes to the category furthest below its share of the catalog.
    const specIndex = argMin(SPECS.map((spec, i) => (madeIn[i] ?? 0) / spec.share));
    const spec = SPECS[specIndex] as CategorySpec;
    const n = familiesMade[specIndex] ?? 0;
    familiesMade[specIndex] = n + 1;
    const pairs = spec.brands.length * spec.types.length;
    const type = spec.types[n % spec.types.length] as ProductType;
    const brand = spec.brands[Math.floor(n / spec.types.length) % spec.brands.length] as string;
    const series = Math.floor(n / pairs);
    const familyName = `${brand} ${type.name}${series > 0 ? ` Series ${series + 1}` : ''}`;
    const familySku = `${spec.skuPrefix}-${String(n + 1).padStart(5, '0')}`;
    const price = shelfPrice(rng, type.price);
    const variants = variantsOf(type);
    const hasVariants = variants.length > 1;
    for (const [v, attributes] of variants.entries()) {
      const label = [attributes.colour, attributes.size].filter(Boolean).join(', ');
      products.push({
        sku: hasVariants ? `${familySku}-${String(v + 1).padStart(2, '0')}` : familySku,
        barcode: inStoreEan13(barcodeNo++),
        name: label ? `${familyName} — ${label}` : familyName,
        categoryId: spec.category.id,
        parentSku: hasVariants ? familySku : null,
        attributes: { brand, type: type.name, ...attributes },
        basePrice: price,
        taxRate: TAX_RATE,
        stock: stockLevel(rng),
      });
    }
    madeIn[specIndex] = (madeIn[specIndex] ?? 0) + variants.length;
  }
  return { categories: [...DEMO_CATEGORIES], products };
}
