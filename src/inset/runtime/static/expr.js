// The binding expression language: {{ expr }} in app pages (spec: docs/expressions.md).
//
// A hand-written tokenizer, Pratt parser and tree-walking evaluator: no eval, no
// new Function, so it runs under a strict CSP. Its server twin is
// src/inset/apps/expressions.py; both must pass every vector in
// tests/expressions/vectors.json, so a change here needs the same change there.
//
// Values are JSON values. Objects are read through their own properties only, so an
// expression can never reach a prototype. Offsets in errors count code points.

export const MAX_DEPTH = 200;
const FORBIDDEN_NAMES = new Set(["__proto__", "constructor", "prototype"]);
const MAX_CACHED_TEMPLATES = 2048;

/** A syntax or evaluation error; `offset` counts code points from the source start. */
export class ExpressionError extends Error {
  constructor(message, offset) {
    super(message);
    this.name = "ExpressionError";
    this.offset = offset;
  }
}

/** An evaluation failure; the node being evaluated turns it into an ExpressionError. */
class Failure extends Error {}

function fail(message) {
  throw new Failure(message);
}

const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

// ------------------------------------------------------------------------------ tokenizer

const SPACE = /[ \t\n\r]*/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const NUMBER_START = /\.?[0-9]/y;
const NUMBER_TAIL = /[A-Za-z0-9_.]/y;
const HEX4 = /[0-9A-Fa-f]{4}/y;
const HEX_BRACED = /\{([0-9A-Fa-f]{1,6})\}/y;
const PUNCTUATORS = [
  ["==", "!=", "<=", ">=", "&&", "||", "??"],
  [..."<>+-*/%!?:.,()[]{}"],
];
const ESCAPES = {
  n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", v: "\v", 0: "\0",
  "\\": "\\", "'": "'", '"': '"', "/": "/",
};

function matchAt(pattern, text, index) {
  pattern.lastIndex = index;
  return pattern.exec(text);
}

/** Maps a UTF-16 index of `src` to a code point offset (the unit of error offsets). */
function codePointOffsets(src) {
  if (!/[\uD800-\uDFFF]/.test(src)) return (index) => index;
  const offsets = new Uint32Array(src.length + 1);
  let index = 0;
  let count = 0;
  for (const char of src) {
    offsets[index] = count;
    if (char.length === 2) offsets[index + 1] = count;
    index += char.length;
    count += 1;
  }
  offsets[index] = count;
  return (i) => offsets[i];
}

/** Reads one token at a time, so a template's text after `}}` is never tokenized. */
class Lexer {
  constructor(src, pos, offsetOf) {
    this.src = src;
    this.pos = pos;
    this.offsetOf = offsetOf;
  }

  error(message, index) {
    return new ExpressionError(message, this.offsetOf(index));
  }

  token(kind, value, index) {
    return { kind, value, index, offset: this.offsetOf(index) };
  }

  next() {
    const src = this.src;
    const pos = this.pos + matchAt(SPACE, src, this.pos)[0].length;
    this.pos = pos;
    if (pos >= src.length) return this.token("end", null, pos);
    if (matchAt(NUMBER_START, src, pos)) return this.number(pos);
    if (src[pos] === "'" || src[pos] === '"') return this.string(pos);
    const name = matchAt(NAME, src, pos);
    if (name) {
      this.pos = pos + name[0].length;
      return this.token("name", name[0], pos);
    }
    for (const candidates of PUNCTUATORS) {
      for (const punct of candidates) {
        if (src.startsWith(punct, pos)) {
          this.pos = pos + punct.length;
          return this.token("punct", punct, pos);
        }
      }
    }
    const char = String.fromCodePoint(src.codePointAt(pos));
    throw this.error(`unexpected character ${JSON.stringify(char)}`, pos);
  }

  number(start) {
    const match = matchAt(NUMBER, this.src, start);
    const end = match ? start + match[0].length : start;
    if (!match || matchAt(NUMBER_TAIL, this.src, end)) throw this.error("invalid number", start);
    this.pos = end;
    const value = Number(match[0]);
    if (!Number.isFinite(value)) throw this.error("number is out of range", start);
    return this.token("number", value, start);
  }

  string(start) {
    const src = this.src;
    const quote = src[start];
    let pos = start + 1;
    let text = "";
    for (;;) {
      let end = pos;
      while (end < src.length && src[end] !== quote && src[end] !== "\\") end += 1;
      if (end >= src.length) throw this.error("unterminated string", start);
      text += src.slice(pos, end);
      if (src[end] === quote) {
        this.pos = end + 1;
        return this.token("string", text, start);
      }
      const [char, after] = this.escape(end);
      text += char;
      pos = after;
    }
  }

  /** The character an escape sequence stands for, and the index after it. */
  escape(backslash) {
    const src = this.src;
    const pos = backslash + 1;
    const letter = src[pos];
    if (letter !== undefined && hasOwn(ESCAPES, letter)) return [ESCAPES[letter], pos + 1];
    if (letter !== "u") throw this.error("invalid escape sequence", backslash);
    const braced = matchAt(HEX_BRACED, src, pos + 1);
    if (braced) {
      const code = parseInt(braced[1], 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        throw this.error("invalid escape sequence", backslash);
      }
      return [String.fromCodePoint(code), pos + 1 + braced[0].length];
    }
    const high = matchAt(HEX4, src, pos + 1);
    if (!high) throw this.error("invalid escape sequence", backslash);
    const code = parseInt(high[0], 16);
    const highEnd = pos + 5;
    if (code < 0xd800 || code > 0xdfff) return [String.fromCharCode(code), highEnd];
    const low = src.startsWith("\\u", highEnd) ? matchAt(HEX4, src, highEnd + 2) : null;
    const lowCode = low ? parseInt(low[0], 16) : 0;
    if (code > 0xdbff || !low || lowCode < 0xdc00 || lowCode > 0xdfff) {
      throw this.error("unpaired surrogate in escape sequence", backslash);
    }
    return [String.fromCharCode(code, lowCode), highEnd + 6];
  }
}

// ------------------------------------------------------------------------------ parser

const UNARY_POWER = 9;
const TERNARY_POWER = 1;
const BINARY_POWER = {
  "??": 2, "||": 3, "&&": 4, "==": 5, "!=": 5,
  "<": 6, "<=": 6, ">": 6, ">=": 6, "+": 7, "-": 7, "*": 8, "/": 8, "%": 8,
};
const KEYWORDS = { true: true, false: false, null: null };

function describe(token) {
  if (token.kind === "end") return "end of expression";
  if (token.kind === "number" || token.kind === "string") return token.kind;
  return `'${token.value}'`;
}

function allowedName(token) {
  if (FORBIDDEN_NAMES.has(token.value)) {
    throw new ExpressionError(`'${token.value}' is not allowed`, token.offset);
  }
  return token.value;
}

/** Pratt parser over a lazy token stream, starting at `pos` in `src`. */
class Parser {
  constructor(src, pos = 0) {
    this.lexer = new Lexer(src, pos, codePointOffsets(src));
    this.token = this.lexer.next();
    this.depth = 0;
  }

  advance() {
    const token = this.token;
    this.token = this.lexer.next();
    return token;
  }

  at(punct) {
    return this.token.kind === "punct" && this.token.value === punct;
  }

  expect(punct) {
    if (!this.at(punct)) {
      throw new ExpressionError(`expected '${punct}', found ${describe(this.token)}`, this.token.offset);
    }
    return this.advance();
  }

  deeper() {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) {
      throw new ExpressionError("expression is nested too deeply", this.token.offset);
    }
  }

  expression(minPower = 0) {
    const outerDepth = this.depth;
    this.deeper();
    let node = this.prefix();
    for (;;) {
      const token = this.token;
      if (token.kind !== "punct") break;
      if (token.value === "." || token.value === "[" || token.value === "(") {
        node = this.postfix(node);
      } else if (token.value === "?" && TERNARY_POWER > minPower) {
        this.advance();
        const then = this.expression();
        this.expect(":");
        const otherwise = this.expression(TERNARY_POWER - 1);
        node = { type: "Conditional", offset: token.offset, test: node, then, otherwise };
      } else if ((BINARY_POWER[token.value] ?? -1) > minPower) {
        this.advance();
        const right = this.expression(BINARY_POWER[token.value]);
        node = { type: "Binary", offset: token.offset, op: token.value, left: node, right };
      } else {
        break;
      }
      this.deeper();
    }
    this.depth = outerDepth;
    return node;
  }

  prefix() {
    const token = this.advance();
    const { kind, value, offset } = token;
    if (kind === "number" || kind === "string") return { type: "Constant", offset, value };
    if (kind === "name") return this.name(token);
    if (kind === "punct") {
      if (value === "!" || value === "-" || value === "+") {
        return { type: "Unary", offset, op: value, operand: this.expression(UNARY_POWER) };
      }
      if (value === "(") {
        const node = this.expression();
        this.expect(")");
        return node;
      }
      if (value === "[") return { type: "ArrayLiteral", offset, items: this.items("]") };
      if (value === "{") return { type: "ObjectLiteral", offset, entries: this.entries() };
    }
    throw new ExpressionError(`expected an expression, found ${describe(token)}`, offset);
  }

  name(token) {
    if (hasOwn(KEYWORDS, token.value)) {
      return { type: "Constant", offset: token.offset, value: KEYWORDS[token.value] };
    }
    if (this.at("(")) {
      this.advance();
      return checkedCall(token, this.items(")"));
    }
    return { type: "Name", offset: token.offset, name: allowedName(token) };
  }

  postfix(target) {
    const token = this.advance();
    if (token.value === ".") {
      if (this.token.kind !== "name") {
        throw new ExpressionError(
          `expected a property name after '.', found ${describe(this.token)}`,
          this.token.offset,
        );
      }
      return { type: "Member", offset: token.offset, target, name: allowedName(this.advance()) };
    }
    if (token.value === "[") {
      const index = this.expression();
      this.expect("]");
      return { type: "Index", offset: token.offset, target, index };
    }
    throw new ExpressionError("only built-in functions can be called, e.g. length(x)", token.offset);
  }

  /** Comma-separated expressions up to `closing`; a trailing comma is allowed. */
  items(closing) {
    const items = [];
    while (!this.at(closing)) {
      items.push(this.expression());
      if (!this.at(closing)) this.expect(",");
    }
    this.advance();
    return items;
  }

  entries() {
    const entries = [];
    while (!this.at("}")) {
      const key = this.advance();
      let name;
      if (key.kind === "name" || key.kind === "string") name = allowedName(key);
      else if (key.kind === "number") name = String(key.value);
      else throw new ExpressionError(`expected a property name, found ${describe(key)}`, key.offset);
      this.expect(":");
      entries.push([name, this.expression()]);
      if (!this.at("}")) this.expect(",");
    }
    this.advance();
    return entries;
  }
}

function checkedCall(token, args) {
  const builtin = FUNCTIONS.get(token.value);
  if (!builtin) throw new ExpressionError(`unknown function '${token.value}'`, token.offset);
  if (args.length < builtin.minArgs || args.length > builtin.maxArgs) {
    throw new ExpressionError(`${token.value}() takes ${arity(builtin)}, got ${args.length}`, token.offset);
  }
  return { type: "Call", offset: token.offset, name: token.value, args };
}

/** Parse one expression (without `{{ }}`); throws ExpressionError. */
export function parse(src) {
  const parser = new Parser(src);
  const node = parser.expression();
  if (parser.token.kind !== "end") {
    throw new ExpressionError(`unexpected ${describe(parser.token)}`, parser.token.offset);
  }
  return node;
}

const templateCache = new Map();

/** Split a template into text (strings) and expression (nodes) segments; throws ExpressionError. */
export function parseTemplate(template) {
  const cached = templateCache.get(template);
  if (cached) return cached;
  const segments = [];
  let pos = 0;
  let start;
  while ((start = template.indexOf("{{", pos)) >= 0) {
    if (start > pos) segments.push(template.slice(pos, start));
    const parser = new Parser(template, start + 2);
    segments.push(parser.expression());
    const closing = parser.token;
    if (closing.kind === "end") {
      throw new ExpressionError("'{{' is not closed with '}}'", parser.lexer.offsetOf(start));
    }
    if (!(parser.at("}") && template.startsWith("}", closing.index + 1))) {
      throw new ExpressionError(`expected '}}', found ${describe(closing)}`, closing.offset);
    }
    pos = closing.index + 2;
  }
  if (pos < template.length) segments.push(template.slice(pos));
  if (templateCache.size >= MAX_CACHED_TEMPLATES) templateCache.clear();
  templateCache.set(template, Object.freeze(segments));
  return segments;
}

// ------------------------------------------------------------------------------ values

const isArray = Array.isArray;

/** Any non-array object counts as an object; only its own properties are visible. */
function isObject(value) {
  return value !== null && typeof value === "object" && !isArray(value);
}

/** undefined (a missing value) and functions read as null. */
function normal(value) {
  return value === undefined || typeof value === "function" ? null : value;
}

function typeName(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number" || typeof value === "string") {
    return typeof value;
  }
  if (isArray(value)) return "array";
  if (isObject(value)) return "object";
  return "unsupported value";
}

function describeValue(value) {
  return typeof value === "number" ? String(value) : typeName(value);
}

function codePoints(text) {
  return Array.from(text);
}

function codePointLength(text) {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** Code point order (UTF-16 unit order differs for characters beyond U+FFFF). */
function compareStrings(left, right) {
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i += 1) {
    if (left.charCodeAt(i) !== right.charCodeAt(i)) {
      return left.codePointAt(i) < right.codePointAt(i) ? -1 : 1;
    }
  }
  return Math.sign(left.length - right.length);
}

function numberResult(value) {
  if (!Number.isFinite(value)) fail("number is out of range");
  return value;
}

/** String conversion for `+`, templates, join and string(): null is "". */
function toText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return toJson(value, 0);
}

function toJson(value, depth) {
  if (depth > MAX_DEPTH) fail("value is nested too deeply");
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (isArray(value)) {
    const items = [];
    for (let i = 0; i < value.length; i += 1) items.push(toJson(normal(value[i]), depth + 1));
    return `[${items.join(",")}]`;
  }
  if (isObject(value)) {
    const entries = Object.keys(value).map(
      (key) => `${JSON.stringify(key)}:${toJson(normal(value[key]), depth + 1)}`,
    );
    return `{${entries.join(",")}}`;
  }
  return fail(`unsupported value of type ${typeof value}`);
}

/** JavaScript truthiness: null, false, 0 and "" are false; [] and {} are true. */
function truthy(value) {
  return Boolean(value);
}

/** Strict, deep equality: no coercion; arrays and objects by content. */
function equals(left, right, depth = 0) {
  if (depth > MAX_DEPTH) fail("value is nested too deeply");
  left = normal(left);
  right = normal(right);
  if (left === null || right === null || typeof left !== "object" || typeof right !== "object") {
    return left === right;
  }
  if (isArray(left) || isArray(right)) {
    return isArray(left) && isArray(right) && left.length === right.length
      && left.every((item, i) => equals(item, right[i], depth + 1));
  }
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length
    && keys.every((key) => hasOwn(right, key) && equals(left[key], right[key], depth + 1));
}

function integer(value, what) {
  if (!Number.isInteger(value)) fail(`${what} must be an integer, got ${describeValue(value)}`);
  return value;
}

/** `container[key]` / `container.key`: own data only, null-safe. */
function getMember(container, key) {
  if (typeof key === "string" && FORBIDDEN_NAMES.has(key)) fail(`'${key}' is not allowed`);
  if (container === null || key === null) return null;
  if (isArray(container) || typeof container === "string") {
    if (key === "length") return isArray(container) ? container.length : codePointLength(container);
    if (typeof key === "number") {
      const index = integer(key, "index");
      const items = isArray(container) ? container : codePoints(container);
      return index >= 0 && index < items.length ? normal(items[index]) : null;
    }
    if (typeof key === "string") return null;
    return fail(`cannot index ${typeName(container)} with a ${typeName(key)}`);
  }
  if (isObject(container)) {
    if (typeof key === "number") key = String(key);
    else if (typeof key !== "string") fail(`cannot index an object with a ${typeName(key)}`);
    return hasOwn(container, key) ? normal(container[key]) : null;
  }
  return null;
}

// ------------------------------------------------------------------------------ evaluation

const ARITHMETIC = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
  "%": (a, b) => a % b,
};
const COMPARISONS = {
  "<": (order) => order < 0,
  "<=": (order) => order <= 0,
  ">": (order) => order > 0,
  ">=": (order) => order >= 0,
};

function arithmetic(op, left, right) {
  if (op === "+" && (typeof left === "string" || typeof right === "string")) {
    return toText(left) + toText(right);
  }
  if (![left, right].every((value) => value === null || typeof value === "number")) {
    fail(`cannot apply '${op}' to ${typeName(left)} and ${typeName(right)}`);
  }
  if (left === null || right === null) return null;
  if ((op === "/" || op === "%") && right === 0) fail("division by zero");
  return numberResult(ARITHMETIC[op](left, right));
}

function compare(op, left, right) {
  if (left === null || right === null) return false;
  let order;
  if (typeof left === "number" && typeof right === "number") {
    order = left < right ? -1 : left > right ? 1 : left === right ? 0 : NaN;
  } else if (typeof left === "string" && typeof right === "string") {
    order = compareStrings(left, right);
  } else {
    fail(`cannot compare ${typeName(left)} with ${typeName(right)}`);
  }
  return COMPARISONS[op](order);
}

function unary(op, value) {
  if (op === "!") return !truthy(value);
  if (value === null) return null;
  if (typeof value !== "number") fail(`cannot apply '${op}' to ${typeName(value)}`);
  return op === "-" ? -value : value;
}

function binary(node, scope) {
  const left = evaluateNode(node.left, scope);
  const op = node.op;
  if (op === "&&") return truthy(left) ? evaluateNode(node.right, scope) : left;
  if (op === "||") return truthy(left) ? left : evaluateNode(node.right, scope);
  if (op === "??") return left !== null ? left : evaluateNode(node.right, scope);
  const right = evaluateNode(node.right, scope);
  if (op === "==") return equals(left, right);
  if (op === "!=") return !equals(left, right);
  if (hasOwn(COMPARISONS, op)) return compare(op, left, right);
  return arithmetic(op, left, right);
}

function evaluateNode(node, scope) {
  try {
    switch (node.type) {
      case "Constant":
        return node.value;
      case "Name":
        return scope !== null && typeof scope === "object" && hasOwn(scope, node.name)
          ? normal(scope[node.name]) : null;
      case "Member":
        return getMember(evaluateNode(node.target, scope), node.name);
      case "Index":
        return getMember(evaluateNode(node.target, scope), evaluateNode(node.index, scope));
      case "Call": {
        const values = node.args.map((arg) => evaluateNode(arg, scope));
        try {
          return FUNCTIONS.get(node.name).apply(...values);
        } catch (error) {
          if (error instanceof Failure) fail(`${node.name}(): ${error.message}`);
          throw error;
        }
      }
      case "Unary":
        return unary(node.op, evaluateNode(node.operand, scope));
      case "Binary":
        return binary(node, scope);
      case "Conditional":
        return evaluateNode(truthy(evaluateNode(node.test, scope)) ? node.then : node.otherwise, scope);
      case "ArrayLiteral":
        return node.items.map((item) => evaluateNode(item, scope));
      case "ObjectLiteral": {
        const object = {};
        for (const [key, value] of node.entries) object[key] = evaluateNode(value, scope);
        return object;
      }
      default:
        throw new TypeError(`not an expression node: ${node.type}`);
    }
  } catch (error) {
    if (error instanceof Failure) throw new ExpressionError(error.message, node.offset);
    throw error;
  }
}

/** Evaluate an expression (source or parsed) against `scope`; throws ExpressionError. */
export function evaluate(expression, scope) {
  const node = typeof expression === "string" ? parse(expression) : expression;
  try {
    return evaluateNode(node, scope);
  } catch (error) {
    if (error instanceof RangeError) throw new ExpressionError("value is nested too deeply", node.offset);
    throw error;
  }
}

const isBlank = (segment) => typeof segment === "string" && segment.trim() === "";

/** A template's value: the raw value of a lone `{{ expr }}`, else the joined text. */
export function evaluateTemplate(template, scope) {
  const segments = typeof template === "string" ? parseTemplate(template) : template;
  const nodes = segments.filter((segment) => typeof segment !== "string");
  if (nodes.length === 1 && segments.every((s) => s === nodes[0] || isBlank(s))) {
    return evaluate(nodes[0], scope);
  }
  let text = "";
  for (const segment of segments) {
    if (typeof segment === "string") {
      text += segment;
      continue;
    }
    const value = evaluate(segment, scope);
    try {
      text += toText(value);
    } catch (error) {
      if (error instanceof Failure) throw new ExpressionError(error.message, segment.offset);
      throw error;
    }
  }
  return text;
}

/**
 * evaluateTemplate that never throws: {value, error: null} or {value: null, error}, where
 * error is an ExpressionError (message, offset). For the runtime: one broken binding must
 * not break the page.
 */
export function safeEvaluateTemplate(template, scope) {
  try {
    return { value: evaluateTemplate(template, scope), error: null };
  } catch (error) {
    const wrapped = error instanceof ExpressionError
      ? error : new ExpressionError(`internal error: ${error?.message ?? error}`, 0);
    return { value: null, error: wrapped };
  }
}

/** Dotted root paths a template reads, in order, e.g. ["queries.orders.data"]. */
export function templateReferences(template) {
  const found = new Set();
  for (const segment of parseTemplate(template)) {
    if (typeof segment !== "string") collectReferences(segment, found);
  }
  return [...found];
}

function staticPath(node) {
  if (node.type === "Name") return [node.name];
  if (node.type === "Member") {
    const path = staticPath(node.target);
    return path === null ? null : [...path, node.name];
  }
  return null;
}

function collectReferences(node, found) {
  const path = staticPath(node);
  if (path !== null) {
    if (path.length > 1 && path[path.length - 1] === "length") path.pop(); // a property of the value
    found.add(path.join("."));
    return;
  }
  const children = {
    Member: () => [node.target],
    Index: () => [node.target, node.index],
    Call: () => node.args,
    ArrayLiteral: () => node.items,
    ObjectLiteral: () => node.entries.map(([, value]) => value),
    Unary: () => [node.operand],
    Binary: () => [node.left, node.right],
    Conditional: () => [node.test, node.then, node.otherwise],
  }[node.type];
  for (const child of children ? children() : []) collectReferences(child, found);
}

// ------------------------------------------------------------------------------ functions

const FUNCTIONS = new Map();

/** Register a whitelisted function under `names` with its argument count. */
function builtin(names, apply, minArgs = 1, maxArgs = minArgs) {
  for (const name of [].concat(names)) FUNCTIONS.set(name, { apply, minArgs, maxArgs });
}

function plural(count) {
  return `${count} argument${count === 1 ? "" : "s"}`;
}

function arity({ minArgs, maxArgs }) {
  if (minArgs === maxArgs) return plural(minArgs);
  if (maxArgs > 99) return `at least ${plural(minArgs)}`;
  return `${minArgs} to ${maxArgs} arguments`;
}

function expect(value, kind) {
  if (typeName(value) !== kind) fail(`expected a ${kind}, got ${describeValue(value)}`);
  return value;
}

function decimalsArg(value, fallback) {
  if (value === null || value === undefined) return fallback;
  const decimals = integer(value, "decimals");
  if (decimals < 0 || decimals > 20) fail(`decimals must be from 0 to 20, got ${decimals}`);
  return decimals;
}

builtin("length", (value) => {
  if (value === null) return 0;
  if (typeof value === "string") return codePointLength(value);
  if (isArray(value)) return value.length;
  if (isObject(value)) return Object.keys(value).length;
  return fail(`expected a string, array or object, got ${typeName(value)}`);
});

const stringFunction = (transform) => (value) => (value === null ? null : transform(expect(value, "string")));
builtin("lower", stringFunction((text) => text.toLowerCase()));
builtin("upper", stringFunction((text) => text.toUpperCase()));
builtin("trim", stringFunction((text) => text.trim()));

builtin(["contains", "includes"], (haystack, needle) => {
  if (haystack === null) return false;
  if (typeof haystack === "string") return haystack.includes(expect(needle, "string"));
  if (isArray(haystack)) return haystack.some((item) => equals(item, needle));
  return fail(`expected a string or array, got ${typeName(haystack)}`);
}, 2);
builtin("starts_with", (text, prefix) => text !== null
  && expect(text, "string").startsWith(expect(prefix, "string")), 2);
builtin("ends_with", (text, suffix) => text !== null
  && expect(text, "string").endsWith(expect(suffix, "string")), 2);

builtin("join", (items, separator = null) => {
  if (items === null) return "";
  expect(items, "array");
  const glue = separator === null ? "," : expect(separator, "string");
  return items.map((item) => toText(normal(item))).join(glue);
}, 1, 2);
builtin("split", (text, separator) => {
  if (text === null) return [];
  expect(text, "string");
  return expect(separator, "string") === "" ? codePoints(text) : text.split(separator);
}, 2);
builtin("replace", (text, search, replacement) => {
  if (text === null) return null;
  expect(text, "string");
  if (expect(search, "string") === "") fail("the text to replace must not be empty");
  return text.split(search).join(expect(replacement, "string"));
}, 3);

builtin("pluck", (items, key) => {
  if (items === null) return [];
  expect(items, "array");
  if (typeof key !== "string" && typeof key !== "number") {
    fail(`expected a string or number key, got ${typeName(key)}`);
  }
  return items.map((item) => getMember(normal(item), key));
}, 2);

/** The numbers in an array, nulls skipped. */
function numbers(items) {
  if (items === null) return [];
  return expect(items, "array").map(normal).filter((item) => item !== null)
    .map((item) => expect(item, "number"));
}

const total = (values) => values.reduce((sum, value) => sum + value, 0);
builtin("sum", (items) => numberResult(total(numbers(items))));
builtin("avg", (items) => {
  const values = numbers(items);
  return values.length ? numberResult(total(values) / values.length) : null;
});

/** min/max over one array argument or over the arguments; nulls skipped. */
const extreme = (sign) => (...args) => {
  if (args.length === 1 && (args[0] === null || isArray(args[0]))) args = args[0] ?? [];
  const values = args.map(normal).filter((value) => value !== null);
  if (!values.length) return null;
  const kinds = [...new Set(values.map(typeName))].sort();
  let order;
  if (kinds.length === 1 && kinds[0] === "number") order = (a, b) => Math.sign(a - b);
  else if (kinds.length === 1 && kinds[0] === "string") order = compareStrings;
  else fail(`expected only numbers or only strings, got ${kinds.join(", ")}`);
  return values.reduce((best, value) => (sign * order(value, best) < 0 ? value : best));
};
builtin("min", extreme(1), 1, 1000);
builtin("max", extreme(-1), 1, 1000);

/** toFixed (exact binary value, ties away from zero), except that zero has no sign. */
function toFixed(number, decimals) {
  if (Math.abs(number) >= 1e21) return String(number);
  const text = Math.abs(number).toFixed(decimals);
  return number < 0 && /[1-9]/.test(text) ? `-${text}` : text;
}

const numberFunction = (transform) => (value) => (
  value === null ? null : numberResult(transform(expect(value, "number"))));
builtin("floor", numberFunction(Math.floor));
builtin("ceil", numberFunction(Math.ceil));
builtin("abs", numberFunction(Math.abs));
builtin("round", (value, decimals = null) => (value === null ? null
  : numberResult(Number(toFixed(expect(value, "number"), decimalsArg(decimals, 0))))), 1, 2);

const NUMERIC_TEXT = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
builtin("number", (value) => {
  if (value === null || typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  const text = expect(value, "string").trim();
  if (!NUMERIC_TEXT.test(text)) return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : null;
});
builtin("string", toText);
builtin("boolean", truthy);

builtin("keys", (value) => (value === null ? [] : Object.keys(expect(value, "object"))));
builtin("values", (value) => (value === null ? []
  : Object.keys(expect(value, "object")).map((key) => normal(value[key]))));

function sequence(value) {
  if (isArray(value)) return value;
  if (typeof value === "string") return codePoints(value);
  return fail(`expected a string or array, got ${typeName(value)}`);
}
builtin("first", (value) => (value === null ? null : normal(sequence(value)[0])));
builtin("last", (value) => {
  const items = value === null ? [] : sequence(value);
  return items.length ? normal(items[items.length - 1]) : null;
});
builtin("slice", (value, start, end = null) => {
  if (value === null) return null;
  const items = sequence(value);
  const first = integer(start, "start");
  const part = items.slice(first, end === null ? items.length : integer(end, "end")).map(normal);
  return typeof value === "string" ? part.join("") : part;
}, 2, 3);

const THOUSANDS = /\B(?=(?:[0-9]{3})+(?![0-9]))/g;

function formatNumber(number, decimals) {
  let text = toFixed(number, decimals ?? 3);
  if (text.includes("e")) return text;
  if (decimals === null && text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  const [whole, fraction] = text.split(".");
  return whole.replace(THOUSANDS, ",") + (fraction === undefined ? "" : `.${fraction}`);
}

builtin("format_number", (value, decimals = null) => (value === null ? null
  : formatNumber(expect(value, "number"), decimals === null ? null : decimalsArg(decimals, 0))), 1, 2);
builtin("format_percent", (value, decimals = null) => (value === null ? null
  : `${formatNumber(numberResult(expect(value, "number") * 100), decimalsArg(decimals, 0))}%`), 1, 2);

const CURRENCY_SYMBOLS = { USD: "$", EUR: "€", GBP: "£", JPY: "¥", INR: "₹", KRW: "₩" };
const ZERO_DECIMAL_CURRENCIES = new Set(["JPY", "KRW"]);
builtin("format_currency", (value, currency = null) => {
  if (value === null) return null;
  const number = expect(value, "number");
  const code = currency === null ? "USD" : expect(currency, "string").toUpperCase();
  if (!/^[A-Za-z]{3}$/.test(code)) fail(`expected a 3-letter currency code, got ${JSON.stringify(currency)}`);
  const text = formatNumber(number, ZERO_DECIMAL_CURRENCIES.has(code) ? 0 : 2);
  const negative = text.startsWith("-");
  const symbol = hasOwn(CURRENCY_SYMBOLS, code) ? CURRENCY_SYMBOLS[code] : `${code} `;
  return (negative ? "-" : "") + symbol + (negative ? text.slice(1) : text);
}, 1, 2);

const ISO_DATE = new RegExp(
  "^([0-9]{4})-([0-9]{2})-([0-9]{2})"
  + "(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\\.([0-9]{1,9}))?)?"
  + "(Z|[+-][0-9]{2}:[0-9]{2})?)?$",
);
const MONTHS = ("January February March April May June July August September October November "
  + "December").split(" ");
const WEEKDAYS = "Sunday Monday Tuesday Wednesday Thursday Friday Saturday".split(" ");
const DATE_TOKENS = /\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|dddd|ddd|DD|D|HH|H|hh|h|mm|ss|SSS|A/g;

/** A UTC Date from epoch milliseconds or an ISO 8601 string. */
function toDate(value) {
  let date;
  if (typeof value === "number") {
    date = new Date(Math.floor(value));
  } else {
    const match = ISO_DATE.exec(expect(value, "string"));
    if (!match) fail(`expected an ISO date such as 2024-03-05, got ${JSON.stringify(value)}`);
    const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
    const millisecond = Number((match[7] ?? "").slice(0, 3).padEnd(3, "0"));
    date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, millisecond);
    const zone = match[8];
    const zoneHours = zone && zone !== "Z" ? Number(zone.slice(1, 3)) : 0;
    const zoneMinutes = zone && zone !== "Z" ? Number(zone.slice(4, 6)) : 0;
    if (year < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23
      || minute > 59 || second > 59 || zoneHours > 23 || zoneMinutes > 59) {
      fail(`invalid date ${JSON.stringify(value)}`);
    }
    const sign = zone && zone[0] === "-" ? -1 : 1;
    date = new Date(date.getTime() - sign * (zoneHours * 60 + zoneMinutes) * 60000);
  }
  const year = date.getUTCFullYear();
  if (!(year >= 1 && year <= 9999)) fail("date is out of range");
  return date;
}

const pad = (number, width = 2) => String(number).padStart(width, "0");

builtin("format_date", (value, pattern = null) => {
  if (value === null) return null;
  const date = toDate(value);
  const hour = date.getUTCHours();
  const month = MONTHS[date.getUTCMonth()];
  const weekday = WEEKDAYS[date.getUTCDay()];
  const fields = {
    YYYY: pad(date.getUTCFullYear(), 4),
    YY: pad(date.getUTCFullYear() % 100),
    MMMM: month,
    MMM: month.slice(0, 3),
    MM: pad(date.getUTCMonth() + 1),
    M: String(date.getUTCMonth() + 1),
    dddd: weekday,
    ddd: weekday.slice(0, 3),
    DD: pad(date.getUTCDate()),
    D: String(date.getUTCDate()),
    HH: pad(hour),
    H: String(hour),
    hh: pad(hour % 12 || 12),
    h: String(hour % 12 || 12),
    mm: pad(date.getUTCMinutes()),
    ss: pad(date.getUTCSeconds()),
    SSS: pad(date.getUTCMilliseconds(), 3),
    A: hour < 12 ? "AM" : "PM",
  };
  const text = pattern === null ? "YYYY-MM-DD" : expect(pattern, "string");
  return text.replace(DATE_TOKENS, (token, literal) => literal ?? fields[token]);
}, 1, 2);

export const FUNCTION_NAMES = Object.freeze([...FUNCTIONS.keys()].sort());
