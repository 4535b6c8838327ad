// The shop's brand: its name, tagline, logo, icon and support address, in one file
// (config/brand.json). The build writes it into every page's head, header and footer
// (scripts/build/page-layout.ts), and the emulator shows the name on its Checkout pages, as
// Stripe shows the account's business name. Renaming the shop is one edit of that file.
import { z } from 'zod';
import brandFile from '../config/brand.json' with { type: 'json' };

export const BRAND_FILE = 'config/brand.json';

/** A file under client/public/images, as the page links it. */
const imagePath = (what: string, example: string) =>
  z.string().regex(/^\/images\/[A-Za-z0-9][A-Za-z0-9._-]*\.(svg|png|webp|ico)$/, {
    message: `must be the path of ${what} in client/public/images, written from /images/ (an .svg, .png, .webp or .ico file), e.g. "${example}"`,
  });

/** One line of plain text: the build escapes it, so write `&` rather than `&amp;`. */
const text = (max: number, example: string) =>
  z
    .string()
    .trim()
    .min(1, { message: `must not be empty; write it as people should read it, e.g. "${example}"` })
    .max(max, { message: `must be at most ${max} characters, e.g. "${example}"` })
    .refine((value) => !/[\r\n]/.test(value), { message: 'must be one line' })
    .refine((value) => !/&(#\d+|#x[0-9a-f]+|[a-z]+);/i.test(value), {
      message: 'is plain text, escaped by the build: write "&", not "&amp;"',
    });

export const brandSchema = z.strictObject({
  shopName: text(60, 'Harbor & Pine'),
  tagline: text(120, 'Small-batch goods for your desk'),
  /** The pages' meta description (what a search engine shows under the name). */
  description: text(300, 'Small-batch goods for your desk, paid for securely with Stripe Checkout.'),
  logo: imagePath('the header logo', '/images/logo.svg'),
  favicon: imagePath('the browser tab icon', '/images/favicon.svg'),
  supportEmail: z.email({ message: 'must be the e-mail address shoppers write to about an order, e.g. "orders@example.com"' }),
});

export type Brand = z.infer<typeof brandSchema>;

/** Checks a brand; a mistake throws one line per field, saying what to write. */
export function parseBrand(value: unknown, source = BRAND_FILE): Brand {
  const result = brandSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys')
      return `  - ${issue.keys.join(', ')}: not a brand field (the fields are ${Object.keys(brandSchema.shape).join(', ')})`;
    return `  - ${field || 'the file'} ${issue.code === 'invalid_type' && issue.input === undefined ? 'is missing; add it' : issue.message}`;
  });
  throw new Error(`${source} is not a valid brand:\n${problems.join('\n')}`);
}

/** The shop's brand, checked when first imported. */
export const BRAND: Brand = parseBrand(brandFile);
