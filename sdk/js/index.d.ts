// Type declarations for @inset/embed (inset-embed.js, index.mjs).

/** What getEmbedUrl is asked for: the page to reopen and why a URL is needed. */
export interface GetEmbedUrlArgs {
  /** The app page the user was on (from inset:navigate), or the `page` option; null at first. */
  page: string | null;
  /** "initial", "reload", or the code that ended the last session or link
   * ("session_expired", "session_revoked", "embed_url_used", "embed_url_expired", …). */
  reason: string;
}

export type InsetEvent =
  | { name: "ready"; page: string | null }
  | { name: "navigate"; page: string | null }
  | { name: "session-expired"; reason: string }
  /** A value the app sent with `send_to_parent`. */
  | { name: "send_to_parent"; data: unknown }
  | { name: string; data?: unknown; page?: string | null; reason?: string };

export interface InsetError {
  /** "get_embed_url_failed", "invalid_embed_url", "remint_limit", or a code from Inset. */
  code: string;
  message: string;
  error?: unknown;
  reason?: string;
}

export interface EmbedOptions {
  /** Ask your backend for a fresh single-use embed URL (it calls POST /api/embed-url/external-user). */
  getEmbedUrl: (args: GetEmbedUrlArgs) => string | URL | Promise<string | URL>;
  /** Values for the app's parent queries (`kind: parent`, read by `selector`). */
  data?: Record<string, unknown>;
  /** Theme overrides sent to the app once it is ready. */
  theme?: Record<string, unknown>;
  /** The page to ask getEmbedUrl for on the first load. */
  page?: string;
  onEvent?: (event: InsetEvent) => void;
  onError?: (error: InsetError) => void;
  /** Size the iframe to the app's content (default true): no inner scrollbar. */
  autoHeight?: boolean;
  /** Initial height in px while autoHeight waits for the first inset:resize (default 150). */
  minHeight?: number;
  /** CSS height when autoHeight is false (default "600px"). */
  height?: string;
  /** The iframe's title (accessibility), default "Inset app". */
  title?: string;
}

export interface EmbedHandle {
  readonly iframe: HTMLIFrameElement;
  setData(data: Record<string, unknown>): void;
  setTheme(theme: Record<string, unknown>): void;
  navigate(page: string): void;
  /** Mint a fresh URL through getEmbedUrl and reload the app on its current page. */
  reload(): void;
  destroy(): void;
}

export function embed(container: Element | string, options: EmbedOptions): EmbedHandle;
export const version: string;
export const PROTOCOL_VERSION: number;

declare const Inset: {
  embed: typeof embed;
  version: string;
  PROTOCOL_VERSION: number;
};
export default Inset;
