// Our React component (sdk/js/react.js) with React 18, exposed to inset-react.html.
import React from "react";
import { createRoot } from "react-dom/client";
import { InsetEmbed } from "../../../../sdk/js/react.js";

window.React = React;
window.createRoot = createRoot;
window.InsetEmbed = InsetEmbed;
