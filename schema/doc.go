// Package schema parses, validates and compiles the files of a policy
// repository into the workflow model.
//
// Lint and the reconciler both call LoadRepository, so a file is judged the
// same way before a commit and when the daemon activates it. Loading runs in
// four stages:
//
//  1. YAML is decoded into yaml.Node trees and walked once to reject
//     duplicate keys, alias bombs, deep nesting, tab indentation, empty files
//     and multi-document files.
//  2. Each tree is checked against the embedded JSON Schema (draft 2020-12)
//     of its file kind. The schemas live in jsonschema/ so editors can use
//     them too.
//  3. Semantic rules run: names, references between files, expressions,
//     schedules, durations and action parameters.
//  4. Everything is compiled into the model: CEL conditions, templates and
//     Starlark scripts through package expr, schedules through robfig/cron.
//
// Every problem of the whole file set is reported at once, each at its own
// file:line:col, sorted.
package schema
