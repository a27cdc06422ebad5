// ES-module entry of @inset/embed (the implementation is the CommonJS/global inset-embed.js).
import Inset from "./inset-embed.js";

export const embed = Inset.embed;
export const version = Inset.version;
export const PROTOCOL_VERSION = Inset.PROTOCOL_VERSION;
export default Inset;
