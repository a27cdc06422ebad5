// The unmodified @tryretool/retool-embed, exposed to retool-embed.html.
import { createRetoolEmbed } from "@tryretool/retool-embed";

window.createRetoolEmbed = createRetoolEmbed;
