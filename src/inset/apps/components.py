"""The component catalogue: every component type, its props, events and state, and every
action. It is data, shared with the browser runtime (``catalogue_json()``), and the single
source for validation and docs/app-format.md.

A prop spec is a dict:

``type``
    ``string`` (text; numbers are accepted), ``markdown``, ``number``, ``integer``,
    ``boolean``, ``enum`` (one of ``values``), ``list`` (of ``items``), ``object`` (with
    ``props``), ``option`` (a scalar, or ``{value, label}``), ``any``, ``actions`` (an
    event handler: a list of actions), ``components`` (child components) or ``fields``
    (form fields: input components with a ``name``).
``required``
    the prop must be present.
``bindable``
    a ``"{{ expr }}"`` string is accepted in place of a literal (default true, except for
    ``actions``, ``components``, ``fields`` and props that say false).
``min``/``max``
    bounds for numbers and integers. ``default``: what the runtime uses when it is absent.
"""

from __future__ import annotations

import json
from typing import Any

CATALOGUE_FORMAT = 1

IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

Spec = dict[str, Any]


def _p(type_: str, description: str, **extra: Any) -> Spec:
    return {"type": type_, "description": description, **extra}


def _enum(values: list[Any], description: str, **extra: Any) -> Spec:
    return {"type": "enum", "values": values, "description": description, **extra}


_LABEL = _p("string", "Label shown above the input.")
_PLACEHOLDER = _p("string", "Hint shown while the input is empty.")
_DISABLED = _p("boolean", "Greys the component out and ignores input.", default=False)
_REQUIRED_INPUT = _p("boolean", "The input must be filled before its form submits.", default=False)
_ON_CHANGE = {"on_change": {"description": "After the user changes the value."}}

_FORMATS = ["text", "number", "currency", "percent", "date", "datetime", "boolean", "link", "json"]
# Table columns also have badge: the value as a small pill in one of BADGE_TONES.
_COLUMN_FORMATS = [*_FORMATS, "badge"]
BADGE_TONES = ["neutral", "success", "warning", "danger", "info"]

COMMON_PROPS: dict[str, Spec] = {
    "id": _p(
        "string",
        "Unique in the app; expressions read the component's state as {{ id.key }}.",
        bindable=False,
        pattern=IDENTIFIER_PATTERN,
    ),
    "type": _p("string", "The component type.", required=True, bindable=False),
    "visible": _p("boolean", "Hide the component when false.", default=True),
}

FIELD_PROPS: dict[str, Spec] = {
    "name": _p(
        "string",
        "Key of the field's value in the form's data ({{ form.data.name }}).",
        required=True,
        bindable=False,
        pattern=IDENTIFIER_PATTERN,
    ),
}

COMPONENTS: dict[str, Spec] = {
    "text": {
        "description": "Markdown text (no raw HTML).",
        "props": {"value": _p("markdown", "The text, in Markdown.", required=True)},
        "events": {},
        "state": {},
    },
    "heading": {
        "description": "A heading.",
        "props": {
            "value": _p("string", "The heading text.", required=True),
            "level": _p("integer", "1 (largest) to 3.", min=1, max=3, default=2),
        },
        "events": {},
        "state": {},
    },
    "stat": {
        "description": "A single figure with a label, e.g. a KPI.",
        "props": {
            "value": _p("any", "The figure.", required=True),
            "label": _p("string", "What the figure is."),
            "format": _enum(_FORMATS, "How the value is shown.", default="text"),
            "currency": _p("string", "ISO 4217 code for format: currency.", default="USD"),
            "caption": _p("string", "Small text under the figure."),
        },
        "events": {},
        "state": {},
    },
    "table": {
        "description": "Rows of a query with sort, search, paging and row selection.",
        "props": {
            "data": _p("list", "Rows: a list of objects.", required=True, items={"type": "any"}),
            "columns": _p(
                "list",
                "Columns to show, in order; all keys of the first row when absent.",
                bindable=False,
                items={
                    "type": "object",
                    "props": {
                        "key": _p("string", "The row key.", required=True, bindable=False),
                        "label": _p("string", "Header text; the key when absent."),
                        "format": _enum(_COLUMN_FORMATS, "How values are shown.", default="text"),
                        "currency": _p("string", "ISO 4217 code for format: currency."),
                        "badgeColors": _p(
                            "mapping",
                            "For format: badge, a mapping of cell value to tone: "
                            + ", ".join(BADGE_TONES)
                            + "; values not in it are neutral.",
                            values=_enum(list(BADGE_TONES), "A tone."),
                            bindable=False,
                        ),
                        "sortable": _p("boolean", "Clicking the header sorts.", default=True),
                        "width": _p("string", "CSS width, e.g. 120px or 20%."),
                    },
                },
            ),
            "pageSize": _p("integer", "Rows per page.", min=1, max=1000, default=20),
            "searchable": _p("boolean", "Show a search box that filters rows.", default=False),
            "sortable": _p("boolean", "Allow sorting by column.", default=True),
            "selectable": _enum(["none", "single", "multi"], "Row selection.", default="single"),
            "rowKey": _p(
                "string", "Row key that identifies a row (keeps selection).", bindable=False
            ),
            "emptyText": _p("string", "Shown when there are no rows.", default="No rows"),
            "paging": _enum(
                ["client", "server"],
                "client: the query's rows are all in the browser. server: the table pages, "
                "sorts and searches through a pagination: offset query, one page at a time "
                "(data must be {{ queries.NAME.data }}, columns are required).",
                default="client",
                bindable=False,
            ),
            "downloadable": _p(
                "boolean",
                "Show a Download CSV button (all rows the table has; for paging: server "
                "all rows up to the row limit).",
                default=False,
            ),
        },
        "events": {"on_row_select": {"description": "After the selection changes."}},
        "state": {
            "selectedRow": {"type": "object", "description": "The selected row, or null."},
            "selectedRows": {"type": "list", "description": "Selected rows (multi)."},
            "selectedIndex": {"type": "integer", "description": "Index of the selected row."},
            "searchText": {"type": "string", "description": "The search box text."},
            "page": {"type": "integer", "description": "Current page, from 0."},
            "sort": {"type": "object", "description": "{key, direction} or null."},
        },
    },
    "form": {
        "description": "Input fields with a submit button; its data is keyed by field name.",
        "props": {
            "fields": _p("fields", "The input components of the form.", required=True),
            "title": _p("string", "Title above the fields."),
            "submitLabel": _p("string", "Text of the submit button.", default="Submit"),
            "resetOnSubmit": _p("boolean", "Clear the fields after a submit.", default=False),
            "disabled": _DISABLED,
        },
        "events": {"on_submit": {"description": "When the form is submitted and valid."}},
        "state": {
            "data": {"type": "object", "description": "Field values by field name."},
            "isValid": {"type": "boolean", "description": "All required fields are filled."},
        },
    },
    "text_input": {
        "description": "A single- or multi-line text input.",
        "props": {
            "label": _LABEL,
            "placeholder": _PLACEHOLDER,
            "value": _p("string", "Initial value.", default=""),
            "inputType": _enum(
                ["text", "email", "url", "tel", "password"], "Keyboard and checks.", default="text"
            ),
            "multiline": _p("boolean", "A text area.", default=False),
            "minLength": _p("integer", "Shortest accepted text.", min=0),
            "maxLength": _p("integer", "Longest accepted text.", min=1),
            "pattern": _p(
                "string",
                "A regular expression (JavaScript syntax) the whole text must match.",
                bindable=False,
            ),
            "patternMessage": _p("string", "Message shown when the text doesn't match pattern."),
            "required": _REQUIRED_INPUT,
            "disabled": _DISABLED,
        },
        "events": dict(_ON_CHANGE),
        "state": {"value": {"type": "string", "settable": True, "description": "The text."}},
    },
    "number_input": {
        "description": "A number input.",
        "props": {
            "label": _LABEL,
            "placeholder": _PLACEHOLDER,
            "value": _p("number", "Initial value."),
            "min": _p("number", "Smallest accepted number."),
            "max": _p("number", "Largest accepted number."),
            "step": _p("number", "Step of the arrows; 1 for whole numbers.", default=1),
            "required": _REQUIRED_INPUT,
            "disabled": _DISABLED,
        },
        "events": dict(_ON_CHANGE),
        "state": {
            "value": {"type": "number", "settable": True, "description": "The number or null."}
        },
    },
    "date_input": {
        "description": "A date picker; the value is an ISO date string (YYYY-MM-DD).",
        "props": {
            "label": _LABEL,
            "value": _p("string", "Initial value, YYYY-MM-DD."),
            "min": _p("string", "Earliest date, YYYY-MM-DD."),
            "max": _p("string", "Latest date, YYYY-MM-DD."),
            "required": _REQUIRED_INPUT,
            "disabled": _DISABLED,
        },
        "events": dict(_ON_CHANGE),
        "state": {
            "value": {"type": "string", "settable": True, "description": "YYYY-MM-DD or null."}
        },
    },
    "select": {
        "description": "Pick one option.",
        "props": {
            "label": _LABEL,
            "placeholder": _PLACEHOLDER,
            "options": _p(
                "list",
                "Values, or {value, label} objects, or rows with labelKey/valueKey.",
                required=True,
                items={"type": "option"},
            ),
            "labelKey": _p("string", "Row key shown when options are rows.", bindable=False),
            "valueKey": _p(
                "string", "Row key used as value when options are rows.", bindable=False
            ),
            "value": _p("any", "Initial value."),
            "required": _REQUIRED_INPUT,
            "disabled": _DISABLED,
        },
        "events": dict(_ON_CHANGE),
        "state": {
            "value": {"type": "any", "settable": True, "description": "The chosen value or null."},
            "selectedOption": {"type": "object", "description": "The chosen option."},
        },
    },
    "multiselect": {
        "description": "Pick several options.",
        "props": {
            "label": _LABEL,
            "placeholder": _PLACEHOLDER,
            "options": _p(
                "list",
                "Values, or {value, label} objects, or rows with labelKey/valueKey.",
                required=True,
                items={"type": "option"},
            ),
            "labelKey": _p("string", "Row key shown when options are rows.", bindable=False),
            "valueKey": _p(
                "string", "Row key used as value when options are rows.", bindable=False
            ),
            "value": _p("list", "Initially chosen values.", items={"type": "any"}),
            "required": _REQUIRED_INPUT,
            "disabled": _DISABLED,
        },
        "events": dict(_ON_CHANGE),
        "state": {"value": {"type": "list", "settable": True, "description": "The chosen values."}},
    },
    "checkbox": {
        "description": "A checkbox.",
        "props": {
            "label": _LABEL,
            "value": _p("boolean", "Initially checked.", default=False),
            "required": _p("boolean", "It must be ticked before its form submits.", default=False),
            "disabled": _DISABLED,
        },
        "events": dict(_ON_CHANGE),
        "state": {"value": {"type": "boolean", "settable": True, "description": "Checked."}},
    },
    "switch": {
        "description": "An on/off switch.",
        "props": {
            "label": _LABEL,
            "value": _p("boolean", "Initially on.", default=False),
            "disabled": _DISABLED,
        },
        "events": dict(_ON_CHANGE),
        "state": {"value": {"type": "boolean", "settable": True, "description": "On."}},
    },
    "button": {
        "description": "A button that runs actions.",
        "props": {
            "label": _p("string", "The button text.", required=True),
            "confirm": _p("string", "Ask this question first; the actions run only on OK."),
            "variant": _enum(["primary", "secondary", "danger"], "Look.", default="primary"),
            "disabled": _DISABLED,
        },
        "events": {"on_click": {"description": "When clicked (and confirmed)."}},
        "state": {},
    },
    "chart": {
        "description": "A bar, line, area or pie chart of rows (Chart.js).",
        "props": {
            "kind": _enum(["bar", "line", "area", "pie"], "Chart type.", required=True),
            "data": _p("list", "Rows: a list of objects.", required=True, items={"type": "any"}),
            "x": _p("string", "Row key for the x axis (pie: the slice label).", required=True),
            "y": _p("string", "Row key of the one series (pie: the slice value)."),
            "series": _p(
                "list",
                "Several series: [{key, label}].",
                bindable=False,
                items={
                    "type": "object",
                    "props": {
                        "key": _p(
                            "string", "Row key of the values.", required=True, bindable=False
                        ),
                        "label": _p("string", "Legend text; the key when absent."),
                    },
                },
            ),
            "title": _p("string", "Title above the chart."),
            "stacked": _p("boolean", "Stack the series (bar, area).", default=False),
            "height": _p("integer", "Height in pixels.", min=80, max=2000, default=300),
        },
        "events": {},
        "state": {},
        "requireOneOf": [["y", "series"]],
    },
    "file_upload": {
        "description": "Pick files; their content is read in the browser (base64).",
        "props": {
            "label": _LABEL,
            "accept": _p("string", "Accepted types, e.g. .csv,image/*."),
            "multiple": _p("boolean", "Allow several files.", default=False),
            "maxSizeBytes": _p("integer", "Largest accepted file.", min=1, default=5_000_000),
            "required": _REQUIRED_INPUT,
            "disabled": _DISABLED,
        },
        "events": dict(_ON_CHANGE),
        "state": {
            "value": {"type": "list", "description": "Files: [{name, type, size, data}]."},
            "files": {"type": "list", "description": "Same as value."},
        },
    },
    "image": {
        "description": "An image (a same-origin path or a data:image URL; the CSP's img-src).",
        "props": {
            "src": _p("string", "Image URL.", required=True),
            "alt": _p(
                "string",
                "What the image shows, for screen readers; '' if decorative.",
                required=True,
            ),
            "width": _p("string", "CSS width."),
            "height": _p("string", "CSS height."),
            "fit": _enum(
                ["contain", "cover", "fill"], "How the image fills its box.", default="contain"
            ),
        },
        "events": {},
        "state": {},
    },
    "container": {
        "description": "Groups children, in a column or a row.",
        "props": {
            "children": _p("components", "Child components.", required=True),
            "title": _p("string", "Title above the children."),
            "direction": _enum(["column", "row"], "Layout of the children.", default="column"),
        },
        "events": {},
        "state": {},
    },
    "tabs": {
        "description": "Tabs, each with its own children.",
        "props": {
            "tabs": _p(
                "list",
                "The tabs, in order.",
                required=True,
                bindable=False,
                items={
                    "type": "object",
                    "props": {
                        "title": _p("string", "Tab title.", required=True),
                        "children": _p("components", "The tab's components.", required=True),
                    },
                },
            ),
            "value": _p("integer", "Index of the tab shown first.", min=0, default=0),
        },
        "events": dict(_ON_CHANGE),
        "state": {
            "value": {"type": "integer", "settable": True, "description": "Index of the open tab."}
        },
    },
    "modal": {
        "description": "A dialog, opened with the open_modal action; needs an id.",
        "props": {
            "children": _p("components", "The dialog's components.", required=True),
            "title": _p("string", "Dialog title."),
        },
        "events": {"on_close": {"description": "After the dialog closes."}},
        "state": {"isOpen": {"type": "boolean", "description": "The dialog is open."}},
        "requiresId": True,
    },
    "divider": {
        "description": "A horizontal rule.",
        "props": {"label": _p("string", "Text in the middle of the rule.")},
        "events": {},
        "state": {},
    },
}

FIELD_TYPES = (
    "text_input",
    "number_input",
    "date_input",
    "select",
    "multiselect",
    "checkbox",
    "switch",
    "file_upload",
)

ACTIONS: dict[str, Spec] = {
    "run": {
        "description": "Run a read or write query; its result lands in queries.NAME.",
        "target": "query",
        "options": {
            "on_success": _p("actions", "Actions after the query succeeds."),
            "on_failure": _p("actions", "Actions after the query fails."),
        },
    },
    "set": {
        "description": "Set a component's settable state, e.g. {set: search.value, value: ''}.",
        "target": "state",
        "options": {"value": _p("any", "The new value (an expression).", required=True)},
    },
    "notify": {
        "description": "Show a toast message.",
        "target": "text",
        "options": {
            "level": _enum(["info", "success", "warning", "error"], "Look.", default="info"),
        },
    },
    "open_modal": {"description": "Open a modal by id.", "target": "modal", "options": {}},
    "close_modal": {"description": "Close a modal by id.", "target": "modal", "options": {}},
    "go_to_page": {"description": "Show another page of the app.", "target": "page", "options": {}},
    "send_to_parent": {
        "description": "Post a value to the host page (Retool SDKs' onData, Inset's inset:event).",
        "target": "value",
        "options": {},
    },
    "download": {
        "description": "Download a read query's rows (all of them for a paginated query, "
        "up to the row limit) or a {{ value }} as a CSV or JSON file.",
        "target": "download_source",
        "options": {
            "format": _enum(["csv", "json"], "File format.", default="csv"),
            "filename": _p("string", "File name without extension; the query name when absent."),
        },
    },
}

TARGET_KINDS: dict[str, str] = {
    "query": "the name of a read or write query of the app",
    "read_query": "the name of a read query of the app",
    "download_source": "the name of a read query of the app, or a {{ }} expression",
    "state": "COMPONENT.KEY where KEY is a settable state key (e.g. search.value)",
    "text": "text; {{ }} expressions are allowed",
    "modal": "the id of a modal component",
    "page": "the name of a page listed in app.yaml",
    "value": "any value or {{ }} expression",
}

QUERY_STATE: dict[str, str] = {
    "data": "Rows of a read query; the host's value for a parent query; the result of a write.",
    "isLoading": "True while the query runs.",
    "error": "The error message of the last run, or null.",
    "columns": "Column names of the last read.",
    "rowCount": "Number of rows returned.",
    "truncated": "The row or byte limit cut the result.",
    "affectedRows": "Rows changed by the last write.",
}

GLOBALS: dict[str, Spec] = {
    "queries": {"description": "queries.NAME.KEY, KEY one of: " + ", ".join(QUERY_STATE)},
    "current_page": {"description": "Name of the page shown.", "fields": []},
    "app": {"description": "The app.", "fields": ["uuid", "slug", "name", "version"]},
}

SERVER_ONLY_GLOBALS: dict[str, str] = {
    "current_user": "The embedded user (SQL only): externalIdentifier, email, firstName, "
    "lastName, groups, metadata.KEY. Never sent to the browser.",
}


THEME: dict[str, Spec] = {
    "primaryColor": _p("string", "Buttons, links, focus rings.", pattern="color"),
    "backgroundColor": _p("string", "Page background.", pattern="color"),
    "textColor": _p("string", "Body text.", pattern="color"),
    "surfaceColor": _p("string", "Cards, inputs and tables.", pattern="color"),
    "mutedColor": _p("string", "Secondary text.", pattern="color"),
    "borderColor": _p("string", "Borders and rules.", pattern="color"),
    "dangerColor": _p("string", "Errors and danger buttons.", pattern="color"),
    "fontFamily": _p("string", "CSS font-family list, e.g. Inter, sans-serif.", pattern="font"),
    "radius": _p("integer", "Corner radius in pixels.", min=0, max=64),
    "density": _enum(
        ["compact", "normal", "comfortable"], "Spacing of components.", default="normal"
    ),
    "colorScheme": _enum(
        ["light", "dark", "auto"], "Light, dark or the user's choice.", default="auto"
    ),
}

# CSS named colors (a bare word in a color must be one of them).
CSS_COLOR_NAMES = frozenset(
    """aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
    crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
    darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
    dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite
    gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki
    lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
    lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
    lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
    magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
    mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
    mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
    palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
    powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown
    seagreen seashell sienna silver skyblue slateblue slategray slategrey snow springgreen
    steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
    yellowgreen transparent""".split()
)

THEME_PATTERNS: dict[str, str] = {
    "color": r"^(#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,30}"
    r"|(rgb|rgba|hsl|hsla)\([0-9.,%/ a-z]{1,60}\))$",
    "font": "^[A-Za-z0-9 ,'\"-]{1,200}$",
}


def catalogue() -> dict[str, Any]:
    """The whole catalogue as plain data."""
    return {
        "format": CATALOGUE_FORMAT,
        "commonProps": COMMON_PROPS,
        "fieldProps": FIELD_PROPS,
        "fieldTypes": list(FIELD_TYPES),
        "components": COMPONENTS,
        "actions": ACTIONS,
        "targetKinds": TARGET_KINDS,
        "queryState": QUERY_STATE,
        "globals": GLOBALS,
        "serverOnlyGlobals": SERVER_ONLY_GLOBALS,
        "theme": THEME,
        "themePatterns": THEME_PATTERNS,
        "colorNames": sorted(CSS_COLOR_NAMES),
    }


def catalogue_json() -> str:
    """The catalogue as JSON (sorted keys), for the browser runtime and editors."""
    return json.dumps(catalogue(), sort_keys=True, indent=1, ensure_ascii=False)


def settable_state(component_type: str) -> list[str]:
    """State keys of a component type that the ``set`` action may change."""
    state: dict[str, Spec] = COMPONENTS[component_type]["state"]
    return [key for key, spec in state.items() if spec.get("settable")]
