package schema

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// embeddedSchemas holds the JSON Schemas of the file kinds and of the
// built-in actions' parameters, as plain .json files that editors can use.
//
//go:embed jsonschema
var embeddedSchemas embed.FS

// schemaBaseURL is the URL the embedded schemas are registered under, so
// that their relative $ref values resolve to each other.
const schemaBaseURL = "file:///policycortex/schema/"

// Embedded schema file names, relative to jsonschema/.
const (
	workflowSchemaFile      = "workflow.schema.json"
	actionSchemaFile        = "action.schema.json"
	conditionsSchemaFile    = "conditions.schema.json"
	approvalChainSchemaFile = "approval-chain.schema.json"
	approversSchemaFile     = "approvers.schema.json"
	builtinSchemaDir        = "actions"
)

// schemaSet is the compiled embedded schemas with their raw documents, which
// error messages read for property names and x-message texts.
type schemaSet struct {
	docs    rawSchemas
	byFile  map[string]*jsonschema.Schema
	builtin map[string]*jsonschema.Schema
}

// rawSchemas maps a schema document URL to its decoded JSON.
type rawSchemas map[string]any

// newSchemaSet compiles every embedded schema.
func newSchemaSet() (*schemaSet, error) {
	c := newCompiler()
	set := &schemaSet{docs: rawSchemas{}, byFile: map[string]*jsonschema.Schema{}, builtin: map[string]*jsonschema.Schema{}}
	var names []string
	err := fs.WalkDir(embeddedSchemas, "jsonschema", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := embeddedSchemas.ReadFile(p)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("decode embedded schema %s: %w", p, err)
		}
		name := strings.TrimPrefix(p, "jsonschema/")
		set.docs[schemaBaseURL+name] = doc
		names = append(names, name)
		return c.AddResource(schemaBaseURL+name, doc)
	})
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		sch, err := c.Compile(schemaBaseURL + name)
		if err != nil {
			return nil, fmt.Errorf("compile embedded schema %s: %w", name, err)
		}
		if dir, file := path.Split(name); dir == builtinSchemaDir+"/" {
			set.builtin[strings.TrimSuffix(file, ".schema.json")] = sch
		} else {
			set.byFile[name] = sch
		}
	}
	return set, nil
}

// newCompiler returns a draft 2020-12 compiler that asserts formats,
// registers the go-duration and backoff-duration formats and loads nothing
// from outside, so a $ref can reach only the documents added to it.
func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.RegisterFormat(&jsonschema.Format{Name: "go-duration", Validate: validateDurationFormat})
	c.RegisterFormat(&jsonschema.Format{Name: "backoff-duration", Validate: validateBackoffFormat})
	c.UseLoader(refusingLoader{})
	return c
}

// refusingLoader rejects every external schema reference.
type refusingLoader struct{}

// Load implements jsonschema.URLLoader.
func (refusingLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema reference %s is not allowed: a parameter schema must be self-contained", url)
}

func validateDurationFormat(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	_, err := parseDuration(s)
	return err
}

// validateBackoffFormat rejects a retry delay over maxBackoff. A value that
// is not a valid duration passes here, because nodeDuration reports it with
// a message of its own.
func validateBackoffFormat(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	d, err := parseDuration(s)
	if err != nil || d <= maxBackoff {
		return nil
	}
	return fmt.Errorf("%s is longer than %s", s, maxBackoff)
}

// BuiltinActions returns the parameter JSON Schema of each built-in action,
// by action name.
func BuiltinActions() map[string][]byte {
	out := map[string][]byte{}
	entries, err := embeddedSchemas.ReadDir("jsonschema/" + builtinSchemaDir)
	if err != nil {
		// go:embed fails the build when the directory is missing, so reading
		// it cannot fail at run time.
		panic(fmt.Sprintf("read embedded built-in action schemas: %v", err))
	}
	for _, e := range entries {
		data, err := embeddedSchemas.ReadFile("jsonschema/" + builtinSchemaDir + "/" + e.Name())
		if err != nil {
			panic(fmt.Sprintf("read embedded schema %s: %v", e.Name(), err))
		}
		out[strings.TrimSuffix(e.Name(), ".schema.json")] = data
	}
	return out
}

// lookup returns the schema object at an absolute schema location such as
// file:///policycortex/schema/workflow.schema.json#/$defs/step, or nil.
func (r rawSchemas) lookup(loc string) map[string]any {
	docURL, frag, _ := strings.Cut(loc, "#")
	cur, ok := r[docURL]
	if !ok {
		return nil
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	m, _ := cur.(map[string]any)
	return m
}

// jsonText returns the compact JSON of a decoded value.
func jsonText(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return data
}
