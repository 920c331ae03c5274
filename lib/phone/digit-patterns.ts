/**
 * A tiny automaton for libphonenumber's digit patterns (digits, `\d`, `[…]`, `(?:…)`, `|`, `?`, `{n}`, `{n,m}`),
 * enough to answer a question regular expressions cannot: "can this pattern match some number that starts with
 * these digits?". Fed one digit at a time, so walking a tree of prefixes costs one step per prefix. The dial-plan
 * generator uses it to find the exact prefixes each country owns.
 */

/** A set of digits as a 10-bit mask (bit d = digit d). */
export type DigitSet = number;
export const ALL_DIGITS: DigitSet = 0x3ff;
export const digitSet = (digits: string): DigitSet => [...digits].reduce((set, digit) => set | (1 << Number(digit)), 0);

type PatternNode =
  | { kind: "digits"; set: DigitSet }
  | { kind: "sequence"; items: PatternNode[] }
  | { kind: "choice"; options: PatternNode[] }
  | { kind: "optional"; node: PatternNode };

function parse(source: string): PatternNode {
  let at = 0;
  const fail = (message: string): never => {
    throw new Error(`unsupported digit pattern ${JSON.stringify(source)} at ${at}: ${message}`);
  };

  function choice(): PatternNode {
    const options = [sequence()];
    while (source[at] === "|") {
      at++;
      options.push(sequence());
    }
    return options.length === 1 ? (options[0] as PatternNode) : { kind: "choice", options };
  }

  function sequence(): PatternNode {
    const items: PatternNode[] = [];
    while (at < source.length && source[at] !== "|" && source[at] !== ")") items.push(...quantified(atom()));
    return { kind: "sequence", items };
  }

  function atom(): PatternNode {
    const char = source[at];
    if (char !== undefined && char >= "0" && char <= "9") {
      at++;
      return { kind: "digits", set: 1 << Number(char) };
    }
    if (source.startsWith("\\d", at)) {
      at += 2;
      return { kind: "digits", set: ALL_DIGITS };
    }
    if (char === "[") return digitClass();
    if (char === "(") {
      at += source.startsWith("(?:", at) ? 3 : 1;
      const inner = choice();
      if (source[at] !== ")") fail("missing )");
      at++;
      return inner;
    }
    return fail(`unexpected ${JSON.stringify(char)}`);
  }

  function digitClass(): PatternNode {
    at++;
    let set = 0;
    while (source[at] !== "]") {
      if (source.startsWith("\\d", at)) {
        set |= ALL_DIGITS;
        at += 2;
        continue;
      }
      const from = source[at];
      if (from === undefined || from < "0" || from > "9") return fail("only digits in classes");
      let to = from;
      if (source[at + 1] === "-" && source[at + 2] !== "]") {
        to = source[at + 2] ?? fail("bad range");
        at += 2;
      }
      for (let digit = Number(from); digit <= Number(to); digit++) set |= 1 << digit;
      at++;
    }
    at++;
    return { kind: "digits", set };
  }

  /** x? and x{n,m} become copies of x: n required, then m-n nested optional ones. */
  function quantified(node: PatternNode): PatternNode[] {
    if (source[at] === "?") {
      at++;
      return [{ kind: "optional", node }];
    }
    const bounds = /^\{(\d+)(?:,(\d+))?\}/.exec(source.slice(at));
    if (!bounds) return [node];
    at += bounds[0].length;
    const min = Number(bounds[1]);
    const max = bounds[2] === undefined ? min : Number(bounds[2]);
    let optional: PatternNode | null = null;
    for (let i = min; i < max; i++) {
      optional = { kind: "optional", node: optional ? { kind: "sequence", items: [node, optional] } : node };
    }
    return [...Array.from({ length: min }, () => node), ...(optional ? [optional] : [])];
  }

  const node = choice();
  if (at !== source.length) fail("trailing input");
  return node;
}

/** A set of automaton states; `START` is the state before any digit. */
export type States = readonly number[];
const START = -1;

/**
 * The pattern's position automaton (Glushkov): one state per digit position in the pattern, so feeding a digit is a
 * set-to-set step and no backtracking is needed.
 */
export class DigitPattern {
  private readonly sets: DigitSet[] = [];
  private readonly follow: number[][] = [];
  private readonly first: number[];
  private readonly last: Set<number>;
  private readonly nullable: boolean;

  constructor(readonly source: string) {
    const built = this.build(parse(source));
    this.first = built.first;
    this.last = new Set(built.last);
    this.nullable = built.nullable;
  }

  private build(node: PatternNode): { first: number[]; last: number[]; nullable: boolean } {
    switch (node.kind) {
      case "digits": {
        const state = this.sets.push(node.set) - 1;
        this.follow.push([]);
        return { first: [state], last: [state], nullable: false };
      }
      case "optional":
        return { ...this.build(node.node), nullable: true };
      case "choice": {
        const parts = node.options.map((option) => this.build(option));
        return {
          first: parts.flatMap((part) => part.first),
          last: parts.flatMap((part) => part.last),
          nullable: parts.some((part) => part.nullable),
        };
      }
      case "sequence": {
        let result = { first: [] as number[], last: [] as number[], nullable: true };
        for (const item of node.items) {
          const part = this.build(item);
          for (const state of result.last) (this.follow[state] as number[]).push(...part.first);
          result = {
            first: result.nullable ? [...result.first, ...part.first] : result.first,
            last: part.nullable ? [...result.last, ...part.last] : part.last,
            nullable: result.nullable && part.nullable,
          };
        }
        return result;
      }
    }
  }

  start(): States {
    return [START];
  }

  /** The states after one more digit from `digits` (several digits: any of them). */
  step(states: States, digits: DigitSet): States {
    const next = new Set<number>();
    for (const state of states) {
      for (const target of state === START ? this.first : (this.follow[state] as number[])) {
        if ((this.sets[target] as DigitSet) & digits) next.add(target);
      }
    }
    return [...next];
  }

  /** The pattern matches the digits fed so far, exactly. */
  matched(states: States): boolean {
    return states.some((state) => (state === START ? this.nullable : this.last.has(state)));
  }

  /** Feeds a whole prefix. */
  feed(digits: string, states: States = this.start()): States {
    let current = states;
    for (const digit of digits) current = this.step(current, 1 << Number(digit));
    return current;
  }
}
