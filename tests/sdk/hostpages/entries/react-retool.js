// The unmodified react-retool component with React 18, exposed to react-retool.html.
import React from "react";
import { createRoot } from "react-dom/client";
import Retool from "react-retool";

window.React = React;
window.createRoot = createRoot;
window.Retool = Retool;
