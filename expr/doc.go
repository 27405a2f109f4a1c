/*
Package expr compiles and evaluates the expression languages of workflow
files: CEL conditions (with the workflow format's own spellings), `{{ }}`
templates in parameters, and sandboxed Starlark scripts.

Everything compiles when a commit is activated, so a typo fails the commit
and not a run. Build one Env with NewEnv and share it: it is safe for
concurrent use, and so are the Program, Template, Value and Script values
it compiles.

# Variables

Conditions, templates and scripts read the same variables, built from Vars:

  - event: the whole CloudEvent; data: its data object (Vars.Data, or
    event.data when Vars.Data is nil).
  - violation: data.violation when it is an object, else data itself.
  - resource: data.resource when present, else violation.resource.
  - steps.NAME.output and steps.NAME.status for steps that have finished.
  - workflow (name, version, file, commit) and run (id, started_at).
  - now (a timestamp), time (the local time "HH:MM"), today
    ("YYYY-MM-DD") and current_week (the ISO week number, an int), all
    taken from Vars.Now (the current time when zero) in Vars.Location
    (UTC when nil).
  - LOW, MEDIUM, HIGH and CRITICAL: severity constants (conditions and
    templates only).
  - conditions.NAME: the named condition NAME (conditions["NAME"] in
    scripts).

A bare identifier that is none of these is looked up, in order, in
Vars.Extra (such as params and endpoint in action bindings), in the named
conditions, and among the top-level fields of data, so `risk_level` reads
data.risk_level. A data field that has the name of a built-in variable,
such as `time`, stays reachable as data.time.

# Numbers

JSON decoders return every number as a float, so a number without a
fractional part (up to 2^53) is an int in conditions, templates and
scripts, as it is when it comes from YAML: `cost_impact + 1` works for
15000. CEL does not mix int and double in arithmetic, so write
`double(cost_impact) / 3.0` for a fractional result. Comparisons between
ints and doubles work as written.

# Missing fields

Reading a field that is absent is an error that names the full path as
written, such as `missing field "violation.resource.nme"`, and an unknown
bare identifier is `undefined name "risk_levl"`. It is never an empty
string. Errors unwrap to *MissingFieldError. To read a field that may be
absent, use has() or an optional select in CEL:

	has(resource.owner) ? resource.owner : 'unassigned'
	resource.?owner.orValue('unassigned')

or the default filter in a template:

	{{ resource.owner | default('unassigned') }}

# Conditions

Conditions are CEL (https://github.com/google/cel-spec) with these
additions:

  - `and`, `or` and `not` as words, outside string literals and comments
    and not after a '.', mean `&&`, `||` and `!`.
  - `{{ x }}` inside a condition means the expression x, so
    `{{ steps.scan.output }} == 'CRITICAL'` compares the step output.
    Inside a string literal, `{{` is plain text.
  - Expressions may span several lines, as YAML block scalars do.
  - Ordering comparisons (<, <=, >, >=), equality and `in` between a
    severity constant and a string rank by severity,
    LOW < MEDIUM < HIGH < CRITICAL, ignoring the case of the string, so
    `risk_level >= MEDIUM` holds when risk_level is "HIGH". A string that
    names no severity makes the comparison fail with an error naming it.
    Comparisons between two strings are plain CEL, so
    `severity == 'CRITICAL'` is string equality.
  - A bare identifier naming a named condition (Vars.Conditions)
    evaluates that condition, at most once per evaluation; a cycle
    between named conditions is an error that lists it.
  - The CEL standard library is extended with cel-go's strings, lists,
    math, sets, encoders, two-variable comprehension and optional-types
    extensions.

Field types are unknown until an event arrives, so conditions are parsed
but not type-checked. CompileCondition still rejects syntax errors, unknown
functions and calls with the wrong number of arguments, with an *Error
positioned inside the source. Refs lists the steps, identifiers and
conditions an expression reads, for linting.

An evaluation of an expression with comprehensions (all, exists, map,
filter and the like) stops after MaxEvalTime.

# Templates

A template is a string with `{{ expr }}` segments; each segment is a CEL
expression with the variables and spellings above. A string that is
exactly one segment, apart from surrounding whitespace, renders to the
value with its type: "{{ violation.findings }}" is a list. In any other
string each value is formatted as text: strings as they are, integral
numbers without a trailing ".0", null as "null", timestamps in RFC 3339,
and lists and maps as JSON. An unclosed `{{` is a compile error. To write
a literal `{{`, use a segment with a string: {{ '{{' }}.

A filter `x | f(args)` or `x | f` is the member call `x.f(args)` or
`x.f()`, so every CEL member function works as a filter. Besides those,
four functions exist for filters:

  - default(v): v when x is null or missing (any other error stays).
  - upper and lower: Unicode case mapping of a string.
  - tojson: x encoded as JSON.

CompileValue compiles every string of a decoded YAML or JSON tree as a
template; errors carry the Path of the failing string.

# Scripts

Scripts are Starlark (https://github.com/bazelbuild/starlark) whose body
may end with a top-level `return`: the body runs as a function. They read
the variables above as globals, with these differences: objects are
Starlark dicts, read as d["key"] (d.key fails); now is an RFC 3339
string; named conditions are bools, evaluated before the script starts;
there are no severity constants. A bare name resolves as in conditions:
built-in variables first, then Vars.Extra keys, named conditions and
top-level data fields, so a data field named `time` is data["time"].
Reading a global that is absent fails when the line runs, with
`undefined name "x" (not in event data)`, or with the error of a named
condition that failed. Scripts have no load statement and no I/O;
print() output goes to ScriptLimits.Print. Execution stops after
ScriptLimits.MaxSteps Starlark steps or ScriptLimits.Timeout. A runtime
error names its position, as in `script line 3:12: ...`. Results convert
to plain Go values: nil, bool, int64, float64, string, []any and
map[string]any.

Script.Run does not bound memory. Script.Input returns the variables in a
form that survives JSON, so that a runner can send them to a child
process with a memory limit and call RunInput there.

# Trigger matching

Lookup reads a dotted path such as "resource.tags.Environment" from nested
maps, for the `key: value` conditions of triggers.
*/
package expr
