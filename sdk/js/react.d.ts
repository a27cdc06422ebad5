import type { CSSProperties, ReactElement } from "react";
import type { EmbedOptions } from "./index";

export interface InsetEmbedProps extends EmbedOptions {
  className?: string;
  style?: CSSProperties;
}

export function InsetEmbed(props: InsetEmbedProps): ReactElement;
export default InsetEmbed;
