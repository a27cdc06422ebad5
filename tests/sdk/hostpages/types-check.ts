// Compiled (not run) by tests/sdk/test_sdk_types.py with `tsc --noEmit`: the SDK's type
// declarations (sdk/js/index.d.ts, react.d.ts) accept correct use and reject wrong use.
import Inset, { embed, type EmbedHandle, type InsetEvent } from "@inset/embed";
import { InsetEmbed } from "@inset/embed/react";
import { createElement } from "react";

const handle: EmbedHandle = embed("#portal", {
  getEmbedUrl: async ({ page, reason }) => `/mint?page=${page ?? ""}&reason=${reason}`,
  data: { customerId: 42 },
  theme: { primaryColor: "#4f46e5" },
  autoHeight: true,
  onEvent: (event: InsetEvent) => console.log(event.name),
  onError: (error) => console.error(error.code, error.message),
});
handle.setData({ customerId: 43 });
handle.setTheme({});
handle.navigate("invoices");
handle.reload();
handle.destroy();
const frame: HTMLIFrameElement = handle.iframe;
Inset.embed(document.body, { getEmbedUrl: () => new URL("https://inset.example/embed/r/x") });

createElement(InsetEmbed, { getEmbedUrl: () => "https://x", data: { a: 1 }, className: "p" });

// @ts-expect-error getEmbedUrl is required
embed("#portal", {});
// @ts-expect-error setData takes an object
handle.setData(5);
export { frame };
