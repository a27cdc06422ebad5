// <InsetEmbed getEmbedUrl={…} data={…} onEvent={…} /> for React 17+ (a peer dependency).
// No JSX, so it needs no build step. Props: getEmbedUrl, data, theme, page, onEvent,
// onError, autoHeight (default true), minHeight, height, title, className, style.
"use strict";

var React = require("react");
var Inset = require("./inset-embed.js");

function InsetEmbed(props) {
  var container = React.useRef(null);
  var handle = React.useRef(null);
  var latest = React.useRef(props);
  latest.current = props;

  React.useEffect(
    function () {
      var p = latest.current;
      var h = Inset.embed(container.current, {
        getEmbedUrl: function (args) {
          return latest.current.getEmbedUrl(args);
        },
        data: p.data,
        theme: p.theme,
        page: p.page,
        autoHeight: p.autoHeight,
        minHeight: p.minHeight,
        height: p.height,
        title: p.title,
        onEvent: function (event) {
          if (typeof latest.current.onEvent === "function") latest.current.onEvent(event);
        },
        onError: function (error) {
          if (typeof latest.current.onError === "function") latest.current.onError(error);
        },
      });
      handle.current = h;
      return function () {
        h.destroy();
        handle.current = null;
      };
    },
    [props.autoHeight]
  );

  React.useEffect(
    function () {
      if (handle.current) handle.current.setData(props.data || {});
    },
    [props.data]
  );

  React.useEffect(
    function () {
      if (handle.current && props.theme) handle.current.setTheme(props.theme);
    },
    [props.theme]
  );

  return React.createElement("div", { ref: container, className: props.className, style: props.style });
}

exports.InsetEmbed = InsetEmbed;
exports.default = InsetEmbed;
